#!/usr/bin/python3
"""impacket, an independent DCE/RPC client, against rpcd's endpoint mapper.

usage: interop_rpcd.py HOST

rpcd listens on HOST port 135 with the rpctest module.  Checks:
  - epm.hept_map resolves rpctest (ncacn_ip_tcp) to HOST[135], and
    impacket then binds rpctest there and calls Echo;
  - epm.hept_lookup (max_ents 500) lists the EPM and rpctest, ending on a
    null handle with status 0;
  - ept_lookup one entry at a time (Samba's rpcclient epmlookup loop)
    ends with ept_s_not_registered and a null handle;
  - ept_lookup_handle_free (opnum 4) frees a handle; ept_inq_object (5)
    answers; ept_map with max_towers 4 gives one tower;
  - ept_insert (0), ept_delete (1) and ept_mgmt_delete (6) from the
    network are refused with a fault 0x6d8 (EPT_S_CANT_PERFORM_OP).
Exits 0 when all of it holds.

impacket's TCP transport loops forever in recv() when the peer closes and
writes with a bare send(): sockets get a timeout, send becomes sendall,
and a watchdog ends the process if anything still hangs.
"""
import os
import socket
import struct
import sys
import threading

from impacket.dcerpc.v5 import epm, transport
from impacket.dcerpc.v5.dtypes import NULL, ULONG
from impacket.dcerpc.v5.ndr import NDRCALL
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.uuid import bin_to_string, uuidtup_to_bin

RPCTEST = ('25b0ad95-8a83-4c70-b453-e0c202c9d616', '1.0')
EPM_UUID = 'E1AF8308-5D1F-11C9-91A4-08002B14A0FA'
RPCTEST_UUID = '25B0AD95-8A83-4C70-B453-E0C202C9D616'
EPT_S_NOT_REGISTERED = 0x16c9a0d6
EPT_S_CANT_PERFORM_OP_WIN = 0x6d8


class ept_lookup_handle_free(NDRCALL):
    opnum = 4
    structure = (('entry_handle', epm.ept_lookup_handle_t),)


class ept_lookup_handle_freeResponse(NDRCALL):
    structure = (('entry_handle', epm.ept_lookup_handle_t),
                 ('status', ULONG))


class ept_inq_object(NDRCALL):
    opnum = 5
    structure = ()


def watchdog(seconds):
    def fire():
        sys.stderr.write('interop_rpcd: watchdog fired, something hangs\n')
        os._exit(3)
    t = threading.Timer(seconds, fire)
    t.daemon = True
    t.start()


def sendall(self, data, forceWriteAndx=0, forceRecv=0):
    self.get_socket().sendall(data)


def connect(binding):
    t = transport.DCERPCTransportFactory(binding)
    t.set_connect_timeout(15)   # also every later recv on the socket
    dce = t.get_dce_rpc()
    dce.connect()
    return dce


def lookup_one(dce, handle):
    req = epm.ept_lookup()
    req['inquiry_type'] = epm.RPC_C_EP_ALL_ELTS
    req['object'] = NULL
    req['Ifid'] = NULL
    req['vers_option'] = epm.RPC_C_VERS_ALL
    req['entry_handle'] = handle
    req['max_ents'] = 1
    return dce.request(req, checkError=False)


def main():
    host = sys.argv[1]
    watchdog(180)
    transport.TCPTransport.send = sendall

    # ept_map, then Echo where it points.
    binding = epm.hept_map(host, uuidtup_to_bin(RPCTEST), protocol='ncacn_ip_tcp')
    want = 'ncacn_ip_tcp:%s[135]' % host
    assert binding == want, binding
    dce = connect(binding)
    dce.bind(uuidtup_to_bin(RPCTEST))
    data = bytes(range(100))
    dce.call(0, struct.pack('<II', len(data), len(data)) + data)
    r = dce.recv()
    assert struct.unpack('<I', r[:4])[0] == len(data) and r[4:104] == data, r
    dce.disconnect()
    print('PASS hept_map -> %s, Echo there' % binding)

    # hept_lookup: everything in one batch of 500 with a null handle.
    dce = connect('ncacn_ip_tcp:%s[135]' % host)
    entries = epm.hept_lookup(None, dce=dce)
    dce.disconnect()
    seen = {}
    for e in entries:
        floors = e['tower']['Floors']
        key = bin_to_string(floors[0]['InterfaceUUID']).upper()
        seen.setdefault(key, []).append(epm.PrintStringBinding(floors))
    text = repr(seen).upper()
    assert EPM_UUID in text and RPCTEST_UUID in text, seen
    assert len(entries) == 4, len(entries)
    assert ('NCACN_IP_TCP:%s[135]' % host).upper() in text, seen
    print('PASS hept_lookup: %d entries, EPM and rpctest' % len(entries))

    # One at a time, as Samba's rpcclient epmlookup pages.
    dce = connect('ncacn_ip_tcp:%s[135]' % host)
    dce.bind(epm.MSRPC_UUID_PORTMAP)
    handle = epm.ept_lookup_handle_t()
    n = 0
    while True:
        resp = lookup_one(dce, handle)
        status = resp['status']
        if status != 0:
            break
        n += resp['num_ents']
        handle = resp['entry_handle']
        assert n <= 4, n
    assert status == EPT_S_NOT_REGISTERED, hex(status)
    assert resp['entry_handle'].isNull()
    assert n == 4, n
    print('PASS ept_lookup max_ents 1: 4 entries, then ept_s_not_registered')

    # A handle, freed.
    resp = lookup_one(dce, epm.ept_lookup_handle_t())
    assert resp['status'] == 0 and not resp['entry_handle'].isNull()
    req = ept_lookup_handle_free()
    req['entry_handle'] = resp['entry_handle']
    resp = dce.request(req)
    assert resp['entry_handle'].isNull()
    print('PASS ept_lookup_handle_free')

    dce.call(5, b'')
    r = dce.recv()
    assert len(r) == 20 and r[16:20] == b'\0\0\0\0', r
    print('PASS ept_inq_object')

    # Changes from the network: fault 0x6d8.
    for op, stub in ((0, b'\0' * 12), (1, b'\0' * 8), (6, b'\0' * 12)):
        try:
            dce.call(op, stub)
            dce.recv()
        except DCERPCException as e:
            # impacket names the Win32 fault status 0x6d8
            # "rpc_fault_cant_perform" (rpcrt.py rpc_status_codes).
            assert (e.get_error_code() == EPT_S_CANT_PERFORM_OP_WIN or
                    'rpc_fault_cant_perform' in str(e)), (op, str(e))
            continue
        raise AssertionError('opnum %d was not refused' % op)
    print('PASS ept_insert/ept_delete/ept_mgmt_delete refused: 0x6d8')
    dce.disconnect()
    return 0


if __name__ == '__main__':
    socket.setdefaulttimeout(15)
    sys.exit(main())
