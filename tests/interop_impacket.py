#!/usr/bin/python3
"""impacket, an independent DCE/RPC client, against rpctest-server.

usage: interop_impacket.py HOST PORT

Binds to rpctest, calls Echo at several sizes with impacket's own request
fragmentation forced small, changes context to mgmt (alter_context) and
asks inq_if_ids / inq_stats / is_server_listening, checks the faults of an
unknown opnum and of Fault(5), and cancels a WaitForCancel with a raw
co_cancel PDU, expecting result 1.  Exits 0 when all of it holds.

impacket's TCP transport loops forever in recv() when the peer closes and
writes with a bare send(): sockets get a timeout, send becomes sendall,
and a watchdog ends the process if anything still hangs.
"""
import os
import socket
import struct
import sys
import threading

from impacket.dcerpc.v5 import mgmt, transport
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.uuid import uuidtup_to_bin

RPCTEST = ('25b0ad95-8a83-4c70-b453-e0c202c9d616', '1.0')
RPCTEST_UUID = '25b0ad95-8a83-4c70-b453-e0c202c9d616'
OP_ECHO, OP_WAIT, OP_FAULT = 0, 1, 5
MSRPC_CO_CANCEL = 18


def watchdog(seconds):
    def fire():
        sys.stderr.write('interop_impacket: watchdog fired, something hangs\n')
        os._exit(3)
    t = threading.Timer(seconds, fire)
    t.daemon = True
    t.start()


def sendall(self, data, forceWriteAndx=0, forceRecv=0):
    self.get_socket().sendall(data)


def connect(host, port):
    t = transport.DCERPCTransportFactory('ncacn_ip_tcp:%s[%d]' % (host, port))
    t.set_connect_timeout(15)   # also every later recv on the socket
    dce = t.get_dce_rpc()
    dce.connect()
    dce.bind(uuidtup_to_bin(RPCTEST))
    return t, dce


def echo(dce, n):
    data = bytes((i * 31 + n) & 0xff for i in range(n))
    dce.call(OP_ECHO, struct.pack('<II', n, n) + data)
    r = dce.recv()
    pad = (4 - n % 4) % 4
    assert len(r) == 4 + n + pad + 4, (n, len(r))
    assert struct.unpack('<I', r[:4])[0] == n
    assert r[4:4 + n] == data, 'echo of %d bytes differs' % n
    assert struct.unpack('<i', r[4 + n + pad:])[0] == 0


def expect_fault(dce, opnum, stub, text):
    try:
        dce.call(opnum, stub)
        dce.recv()
    except DCERPCException as e:
        assert text in str(e), '%s: %s' % (text, e)
        return
    raise AssertionError('no fault for opnum %d' % opnum)


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    watchdog(240)
    transport.TCPTransport.send = sendall

    t, dce = connect(host, port)
    # Several sizes, fragmented by impacket at 1000, 2048 and (default)
    # the negotiated 4280 bytes; the server fragments its answers too.
    for frag in (1000, 2048, 0):
        dce.set_max_fragment_size(frag)
        for n in (0, 1, 100, 4096, 65536, 1 << 20):
            echo(dce, n)
    print('PASS echo 0..1 MiB, impacket fragments 1000/2048/4280')

    expect_fault(dce, 9, b'', 'nca_s_op_rng_error')
    print('PASS unknown opnum: nca_s_op_rng_error')
    expect_fault(dce, OP_FAULT, struct.pack('<I', 5), 'rpc_s_access_denied')
    print('PASS Fault(5)')

    # alter_context onto mgmt, on the same connection.
    m = dce.alter_ctx(mgmt.MSRPC_UUID_MGMT)
    r = mgmt.hinq_if_ids(m)
    ids = [bytes(x['Uuid']) for x in r['if_id_vector']['if_id']]
    assert r['if_id_vector']['count'] == 1, r['if_id_vector']['count']
    want = uuidtup_to_bin(RPCTEST)[:16]
    assert ids == [want], ids
    print('PASS alter_context + mgmt inq_if_ids')
    r = mgmt.hinq_stats(m)
    assert r['count'] == 4 and r['status'] == 0
    r = mgmt.his_server_listening(m)
    assert r['status'] == 0
    print('PASS mgmt inq_stats, is_server_listening')

    # WaitForCancel, then a raw co_cancel for its call_id.
    dce.set_max_fragment_size(0)
    dce.call(OP_WAIT, struct.pack('<I', 20000))
    call_id = dce._DCERPC_v5__callid - 1
    co_cancel = struct.pack('<BBBB4sHHI', 5, 0, MSRPC_CO_CANCEL, 3,
                            b'\x10\x00\x00\x00', 16, 0, call_id)
    threading.Event().wait(0.2)
    t.send(co_cancel)
    r = dce.recv()
    elapsed, result = struct.unpack('<Ii', r)
    assert result == 1, (elapsed, result)
    assert elapsed < 15000, elapsed
    print('PASS WaitForCancel + raw co_cancel: result 1 after %d ms' % elapsed)

    # Still usable afterwards.
    echo(dce, 10)
    dce.disconnect()
    return 0


if __name__ == '__main__':
    socket.setdefaulttimeout(15)
    sys.exit(main())
