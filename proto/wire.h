/*
 * proto/wire.h -- every wire constant of connection-oriented DCE/RPC in one
 * place, with the section of C706 ("DCE 1.1: Remote Procedure Call", The
 * Open Group) or MS-RPCE that defines it.
 */
#ifndef RPCRT_PROTO_WIRE_H
#define RPCRT_PROTO_WIRE_H

/* C706 12.6.3.1: protocol version of connection-oriented PDUs. */
#define RPC_C_VERS              5
#define RPC_C_VERS_MINOR        0
#define RPC_C_VERS_MINOR_MAX    1   /* 5.1 is what Windows sends */

/* C706 12.6.3.1 / 12.6.4: PDU types (ptype).  1 and 4..10 are
 * connectionless-only and never valid on a connection. */
enum rpc_ptype {
    PTYPE_REQUEST            = 0,
    PTYPE_PING               = 1,
    PTYPE_RESPONSE           = 2,
    PTYPE_FAULT              = 3,
    PTYPE_WORKING            = 4,
    PTYPE_NOCALL             = 5,
    PTYPE_REJECT             = 6,
    PTYPE_ACK                = 7,
    PTYPE_CL_CANCEL          = 8,
    PTYPE_FACK               = 9,
    PTYPE_CANCEL_ACK         = 10,
    PTYPE_BIND               = 11,
    PTYPE_BIND_ACK           = 12,
    PTYPE_BIND_NAK           = 13,
    PTYPE_ALTER_CONTEXT      = 14,
    PTYPE_ALTER_CONTEXT_RESP = 15,
    PTYPE_AUTH3              = 16, /* MS-RPCE 2.2.2.10 */
    PTYPE_SHUTDOWN           = 17,
    PTYPE_CO_CANCEL          = 18,
    PTYPE_ORPHANED           = 19,
};
#define PTYPE_MAX 19

/* C706 12.6.3.1 pfc_flags; MS-RPCE 2.2.2.3 renames 0x04 for bind-family
 * PDUs (PFC_SUPPORT_HEADER_SIGN). */
#define PFC_FIRST_FRAG          0x01
#define PFC_LAST_FRAG           0x02
#define PFC_PENDING_CANCEL      0x04
#define PFC_SUPPORT_HEADER_SIGN 0x04
#define PFC_RESERVED_1          0x08
#define PFC_CONC_MPX            0x10
#define PFC_DID_NOT_EXECUTE     0x20
#define PFC_MAYBE               0x40
#define PFC_OBJECT_UUID         0x80

/* C706 14.1: data representation label, byte 0. */
#define DREP_LE                 0x10  /* integers little-endian, ASCII */
#define DREP_BE                 0x00  /* integers big-endian, ASCII */
#define DREP_INT_MASK           0xf0
#define DREP_CHAR_MASK          0x0f

/* Fixed sizes (C706 12.6.4). */
#define RPC_HDR_LEN             16
#define RPC_REQUEST_HDR_LEN     24    /* + 16 with PFC_OBJECT_UUID */
#define RPC_RESPONSE_HDR_LEN    24
#define RPC_FAULT_HDR_LEN       32
#define RPC_SEC_TRAILER_LEN     8     /* C706 13.2.6.1 auth_verifier_co_t */
#define RPC_AUTH3_BODY_LEN      4     /* MS-RPCE 2.2.2.10 pad */

/* C706 12.6.3.1: every implementation accepts fragments this large. */
#define RPC_MIN_FRAG_SIZE       1432
/* MS-RPCE 3.3.1.5.6 / what Windows and Samba use. */
#define RPC_DEFAULT_FRAG_SIZE   5840
#define RPC_MAX_FRAG_SIZE       65535

/* C706 12.6.3.4 p_cont_def_result_t and provider_reason_t. */
#define P_CONT_ACCEPTANCE          0
#define P_CONT_USER_REJECTION      1
#define P_CONT_PROVIDER_REJECTION  2
#define P_CONT_NEGOTIATE_ACK       3   /* MS-RPCE 2.2.2.4: bind time features */

#define P_REASON_NOT_SPECIFIED                 0
#define P_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED 1
#define P_REASON_PROPOSED_TS_NOT_SUPPORTED     2
#define P_REASON_LOCAL_LIMIT_EXCEEDED          3

/* C706 12.6.3.6 bind_nak reject reasons (p_reject_reason_t). */
#define BIND_NAK_REASON_NOT_SPECIFIED          0
#define BIND_NAK_TEMPORARY_CONGESTION          1
#define BIND_NAK_LOCAL_LIMIT_EXCEEDED          2
#define BIND_NAK_CALLED_PADDR_UNKNOWN          3
#define BIND_NAK_PROTOCOL_VERSION_NOT_SUPPORTED 4
#define BIND_NAK_DEFAULT_CONTEXT_NOT_SUPPORTED 5
#define BIND_NAK_USER_DATA_NOT_READABLE        6
#define BIND_NAK_NO_PSAP_AVAILABLE             7
/* MS-RPCE 2.2.2.5 additions. */
#define BIND_NAK_AUTH_TYPE_NOT_RECOGNIZED      8
#define BIND_NAK_INVALID_CHECKSUM              9

/* MS-RPCE 2.2.2.14 / 3.3.1.5.3: bind time feature negotiation.  The
 * transfer syntax UUID is 6cb71c2c-9812-4540-XXXX-000000000000 where the
 * two bytes XXXX (Data4[0..1]) are the feature bitmask, little-endian. */
#define BTFN_SECURITY_CONTEXT_MULTIPLEXING 0x0001
#define BTFN_KEEP_CONNECTION_ON_ORPHAN     0x0002
#define BTFN_UUID_DATA1 0x6cb71c2cu
#define BTFN_UUID_DATA2 0x9812
#define BTFN_UUID_DATA3 0x4540
#define BTFN_VERSION    1

/* Transfer syntaxes: NDR 2.0 (C706 14) and NDR64 (MS-RPCE 2.2.5). */
#define NDR20_UUID_STR "8a885d04-1ceb-11c9-9fe8-08002b104860"
#define NDR20_VERSION  2
#define NDR64_UUID_STR "71710533-beba-4937-8319-b5dbef9ccc36"
#define NDR64_VERSION  1

/* C706 13.1 / MS-RPCE 2.2.1.1.7: auth types and levels in sec_trailer. */
#define RPC_AUTH_TYPE_NONE      0
#define RPC_AUTH_TYPE_KRB5      16
#define RPC_AUTH_TYPE_SPNEGO    9
#define RPC_AUTH_TYPE_NTLMSSP   10
#define RPC_AUTH_TYPE_SCHANNEL  68
/* MS-RPCE 2.2.2.11: the stub is padded so the sec_trailer starts at a
 * multiple of this many octets from the start of the stub. */
#define RPC_AUTH_PAD_ALIGN      16

/* C706 Appendix E + MS-RPCE 2.2.2.13: NCA status codes in fault PDUs. */
#define NCA_S_COMM_FAILURE               0x1c010001u
#define NCA_S_OP_RNG_ERROR               0x1c010002u
#define NCA_S_UNK_IF                     0x1c010003u
#define NCA_S_WRONG_BOOT_TIME            0x1c010006u
#define NCA_S_YOU_CRASHED                0x1c010009u
#define NCA_S_PROTO_ERROR                0x1c01000bu
#define NCA_S_OUT_ARGS_TOO_BIG           0x1c010013u
#define NCA_S_SERVER_TOO_BUSY            0x1c010014u
#define NCA_S_FAULT_STRING_TOO_LONG      0x1c010015u
#define NCA_S_UNSUPPORTED_TYPE           0x1c010017u
#define NCA_S_FAULT_INT_DIV_BY_ZERO      0x1c000001u
#define NCA_S_FAULT_ADDR_ERROR           0x1c000002u
#define NCA_S_FAULT_FP_DIV_ZERO          0x1c000003u
#define NCA_S_FAULT_FP_UNDERFLOW         0x1c000004u
#define NCA_S_FAULT_FP_OVERFLOW          0x1c000005u
#define NCA_S_FAULT_INVALID_TAG          0x1c000006u
#define NCA_S_FAULT_INVALID_BOUND        0x1c000007u
#define NCA_S_RPC_VERSION_MISMATCH       0x1c000008u
#define NCA_S_UNSPEC_REJECT              0x1c000009u
#define NCA_S_BAD_ACTID                  0x1c00000au
#define NCA_S_WHO_ARE_YOU_FAILED         0x1c00000bu
#define NCA_S_MANAGER_NOT_ENTERED        0x1c00000cu
#define NCA_S_FAULT_CANCEL               0x1c00000du
#define NCA_S_FAULT_ILL_INST             0x1c00000eu
#define NCA_S_FAULT_FP_ERROR             0x1c00000fu
#define NCA_S_FAULT_INT_OVERFLOW         0x1c000010u
#define NCA_S_FAULT_UNSPEC               0x1c000012u
#define NCA_S_FAULT_REMOTE_COMM_FAILURE  0x1c000013u
#define NCA_S_FAULT_PIPE_EMPTY           0x1c000014u
#define NCA_S_FAULT_PIPE_CLOSED          0x1c000015u
#define NCA_S_FAULT_PIPE_ORDER           0x1c000016u
#define NCA_S_FAULT_PIPE_DISCIPLINE      0x1c000017u
#define NCA_S_FAULT_PIPE_COMM_ERROR      0x1c000018u
#define NCA_S_FAULT_PIPE_MEMORY          0x1c000019u
#define NCA_S_FAULT_CONTEXT_MISMATCH     0x1c00001au
#define NCA_S_FAULT_REMOTE_NO_MEMORY     0x1c00001bu
#define NCA_S_INVALID_PRES_CONTEXT_ID    0x1c00001cu
#define NCA_S_UNSUPPORTED_AUTHN_LEVEL    0x1c00001du
#define NCA_S_INVALID_CHECKSUM           0x1c00001fu
#define NCA_S_INVALID_CRC                0x1c000020u
#define NCA_S_FAULT_USER_DEFINED         0x1c000021u
#define NCA_S_FAULT_TX_OPEN_FAILED       0x1c000022u
#define NCA_S_FAULT_CODESET_CONV_ERROR   0x1c000023u
#define NCA_S_FAULT_OBJECT_NOT_FOUND     0x1c000024u
#define NCA_S_FAULT_NO_CLIENT_STUB       0x1c000025u
/* Windows servers also put Win32 codes in the status field, e.g.
 * RPC_X_BAD_STUB_DATA (0x6f7) for what C706 calls nca_s_fault_ndr. */
#define NCA_S_FAULT_NDR                  0x000006f7u

/* C706 Appendix L / MS-RPCE 2.2.1.2.1: DCE statuses of the endpoint
 * mapper that travel in ept_* replies (not RPC_S_* values). */
#define EPT_S_CANT_PERFORM_OP_DCE        0x16c9a0cdu
#define EPT_S_CANT_CREATE_DCE            0x16c9a0d0u
#define EPT_S_INVALID_ENTRY_DCE          0x16c9a0d3u
#define EPT_S_NOT_REGISTERED_DCE         0x16c9a0d6u

/* C706 Appendix L: protocol tower floor identifiers. */
#define EPM_PROTO_DNET_NSP   0x04
#define EPM_PROTO_OSI_TP4    0x05
#define EPM_PROTO_OSI_CLNS   0x06
#define EPM_PROTO_TCP        0x07
#define EPM_PROTO_UDP        0x08
#define EPM_PROTO_IP         0x09
#define EPM_PROTO_NCADG      0x0a  /* connectionless */
#define EPM_PROTO_NCACN      0x0b  /* connection-oriented */
#define EPM_PROTO_NCALRPC    0x0c  /* MS-RPCE: local RPC */
#define EPM_PROTO_UUID       0x0d
#define EPM_PROTO_NETBIOS    0x11
#define EPM_PROTO_SMB        0x0f
#define EPM_PROTO_NAMED_PIPE 0x10
#define EPM_PROTO_HTTP       0x1f
#define TOWER_MAX_FLOORS     6    /* impacket refuses more */

/* Well-known interfaces. */
#define EPM_IF_UUID_STR  "e1af8308-5d1f-11c9-91a4-08002b14a0fa"
#define EPM_IF_VERS_MAJOR 3
#define EPM_IF_VERS_MINOR 0
#define MGMT_IF_UUID_STR "afa8bd80-7d8a-11c9-bef4-08002b102989"
#define MGMT_IF_VERS_MAJOR 1
#define MGMT_IF_VERS_MINOR 0
#define EPM_TCP_PORT     135

#endif /* RPCRT_PROTO_WIRE_H */
