/*
 * rpcrt/rpcnterr.h -- RPC status codes with the numeric values Windows
 * gives them, so that code written against Windows RPC compiles unchanged
 * and so that a status travels between Windows and rpcrt without
 * translation (a Windows server puts these values straight into the
 * status field of a fault PDU; MS-RPCE 2.2.2.8, 3.3.3.5.1).
 *
 * Windows spreads these over two headers: <rpcnterr.h> defines the RPC_S_*
 * names that are aliases of general Win32 ERROR_* codes, and <winerror.h>
 * defines the dedicated RPC range 1700..1936.  Both are here, as plain
 * integer constants (we define no ERROR_* names; the comment beside an
 * alias names the Win32 code it shares).  Values as in MS-ERREF 2.2 and
 * the Windows SDK's winerror.h / rpcnterr.h.
 *
 * Gaps in the 1700.. range (1731, 1738, 1776, 1784..1790 ...) belong to
 * codes Windows never assigned, or assigned to other subsystems.
 */
#ifndef RPCRT_RPCNTERR_H
#define RPCRT_RPCNTERR_H

/* ---- aliases of general Win32 codes (Windows' <rpcnterr.h>) ------------ */
#define RPC_S_OK                          0     /* ERROR_SUCCESS */
#define RPC_S_INVALID_ARG                 87    /* ERROR_INVALID_PARAMETER */
#define RPC_S_OUT_OF_MEMORY               14    /* ERROR_OUTOFMEMORY */
#define RPC_S_OUT_OF_THREADS              164   /* ERROR_MAX_THRDS_REACHED */
#define RPC_S_INVALID_LEVEL               87    /* ERROR_INVALID_PARAMETER */
#define RPC_S_BUFFER_TOO_SMALL            122   /* ERROR_INSUFFICIENT_BUFFER */
#define RPC_S_INVALID_SECURITY_DESC       1338  /* ERROR_INVALID_SECURITY_DESCR */
#define RPC_S_ACCESS_DENIED               5     /* ERROR_ACCESS_DENIED */
#define RPC_S_SERVER_OUT_OF_MEMORY        1130  /* ERROR_NOT_ENOUGH_SERVER_MEMORY */
#define RPC_S_ASYNC_CALL_PENDING          997   /* ERROR_IO_PENDING */
#define RPC_S_UNKNOWN_PRINCIPAL           1332  /* ERROR_NONE_MAPPED */
#define RPC_S_TIMEOUT                     1460  /* ERROR_TIMEOUT */

#define RPC_X_NO_MEMORY                   14    /* RPC_S_OUT_OF_MEMORY */
#define RPC_X_INVALID_BOUND               1734  /* RPC_S_INVALID_BOUND */
#define RPC_X_INVALID_TAG                 1733  /* RPC_S_INVALID_TAG */
#define RPC_X_ENUM_VALUE_TOO_LARGE        1781  /* RPC_X_ENUM_VALUE_OUT_OF_RANGE */
#define RPC_X_SS_CONTEXT_MISMATCH         6     /* ERROR_INVALID_HANDLE */
#define RPC_X_INVALID_BUFFER              1784  /* ERROR_INVALID_USER_BUFFER */
#define RPC_X_PIPE_APP_MEMORY             14    /* ERROR_OUTOFMEMORY */
#define RPC_X_INVALID_PIPE_OPERATION      1831  /* RPC_X_WRONG_PIPE_ORDER */

/* ---- the RPC range of Windows' <winerror.h> ---------------------------- */
#define RPC_S_INVALID_STRING_BINDING      1700
#define RPC_S_WRONG_KIND_OF_BINDING       1701
#define RPC_S_INVALID_BINDING             1702
#define RPC_S_PROTSEQ_NOT_SUPPORTED       1703
#define RPC_S_INVALID_RPC_PROTSEQ         1704
#define RPC_S_INVALID_STRING_UUID         1705
#define RPC_S_INVALID_ENDPOINT_FORMAT     1706
#define RPC_S_INVALID_NET_ADDR            1707
#define RPC_S_NO_ENDPOINT_FOUND           1708
#define RPC_S_INVALID_TIMEOUT             1709
#define RPC_S_OBJECT_NOT_FOUND            1710
#define RPC_S_ALREADY_REGISTERED          1711
#define RPC_S_TYPE_ALREADY_REGISTERED     1712
#define RPC_S_ALREADY_LISTENING           1713
#define RPC_S_NO_PROTSEQS_REGISTERED      1714
#define RPC_S_NOT_LISTENING               1715
#define RPC_S_UNKNOWN_MGR_TYPE            1716
#define RPC_S_UNKNOWN_IF                  1717
#define RPC_S_NO_BINDINGS                 1718
#define RPC_S_NO_PROTSEQS                 1719
#define RPC_S_CANT_CREATE_ENDPOINT        1720
#define RPC_S_OUT_OF_RESOURCES            1721
#define RPC_S_SERVER_UNAVAILABLE          1722
#define RPC_S_SERVER_TOO_BUSY             1723
#define RPC_S_INVALID_NETWORK_OPTIONS     1724
#define RPC_S_NO_CALL_ACTIVE              1725
#define RPC_S_CALL_FAILED                 1726
#define RPC_S_CALL_FAILED_DNE             1727
#define RPC_S_PROTOCOL_ERROR              1728
#define RPC_S_PROXY_ACCESS_DENIED         1729
#define RPC_S_UNSUPPORTED_TRANS_SYN       1730
#define RPC_S_UNSUPPORTED_TYPE            1732
#define RPC_S_INVALID_TAG                 1733
#define RPC_S_INVALID_BOUND               1734
#define RPC_S_NO_ENTRY_NAME               1735
#define RPC_S_INVALID_NAME_SYNTAX         1736
#define RPC_S_UNSUPPORTED_NAME_SYNTAX     1737
#define RPC_S_UUID_NO_ADDRESS             1739
#define RPC_S_DUPLICATE_ENDPOINT          1740
#define RPC_S_UNKNOWN_AUTHN_TYPE          1741
#define RPC_S_MAX_CALLS_TOO_SMALL         1742
#define RPC_S_STRING_TOO_LONG             1743
#define RPC_S_PROTSEQ_NOT_FOUND           1744
#define RPC_S_PROCNUM_OUT_OF_RANGE        1745
#define RPC_S_BINDING_HAS_NO_AUTH         1746
#define RPC_S_UNKNOWN_AUTHN_SERVICE       1747
#define RPC_S_UNKNOWN_AUTHN_LEVEL         1748
#define RPC_S_INVALID_AUTH_IDENTITY       1749
#define RPC_S_UNKNOWN_AUTHZ_SERVICE       1750
#define EPT_S_INVALID_ENTRY               1751
#define EPT_S_CANT_PERFORM_OP             1752
#define EPT_S_NOT_REGISTERED              1753
#define RPC_S_NOTHING_TO_EXPORT           1754
#define RPC_S_INCOMPLETE_NAME             1755
#define RPC_S_INVALID_VERS_OPTION         1756
#define RPC_S_NO_MORE_MEMBERS             1757
#define RPC_S_NOT_ALL_OBJS_UNEXPORTED     1758
#define RPC_S_INTERFACE_NOT_FOUND         1759
#define RPC_S_ENTRY_ALREADY_EXISTS        1760
#define RPC_S_ENTRY_NOT_FOUND             1761
#define RPC_S_NAME_SERVICE_UNAVAILABLE    1762
#define RPC_S_INVALID_NAF_ID              1763
#define RPC_S_CANNOT_SUPPORT              1764
#define RPC_S_NO_CONTEXT_AVAILABLE        1765
#define RPC_S_INTERNAL_ERROR              1766
#define RPC_S_ZERO_DIVIDE                 1767
#define RPC_S_ADDRESS_ERROR               1768
#define RPC_S_FP_DIV_ZERO                 1769
#define RPC_S_FP_UNDERFLOW                1770
#define RPC_S_FP_OVERFLOW                 1771
#define RPC_X_NO_MORE_ENTRIES             1772
#define RPC_X_SS_CHAR_TRANS_OPEN_FAIL     1773
#define RPC_X_SS_CHAR_TRANS_SHORT_FILE    1774
#define RPC_X_SS_IN_NULL_CONTEXT          1775
#define RPC_X_SS_CONTEXT_DAMAGED          1777
#define RPC_X_SS_HANDLES_MISMATCH         1778
#define RPC_X_SS_CANNOT_GET_CALL_HANDLE   1779
#define RPC_X_NULL_REF_POINTER            1780
#define RPC_X_ENUM_VALUE_OUT_OF_RANGE     1781
#define RPC_X_BYTE_COUNT_TOO_SMALL        1782
#define RPC_X_BAD_STUB_DATA               1783
#define RPC_S_CALL_IN_PROGRESS            1791
#define RPC_S_NO_MORE_BINDINGS            1806
#define RPC_S_NO_INTERFACES               1817
#define RPC_S_CALL_CANCELLED              1818
#define RPC_S_BINDING_INCOMPLETE          1819
#define RPC_S_COMM_FAILURE                1820
#define RPC_S_UNSUPPORTED_AUTHN_LEVEL     1821
#define RPC_S_NO_PRINC_NAME               1822
#define RPC_S_NOT_RPC_ERROR               1823
#define RPC_S_UUID_LOCAL_ONLY             1824
#define RPC_S_SEC_PKG_ERROR               1825
#define RPC_S_NOT_CANCELLED               1826
#define RPC_X_INVALID_ES_ACTION           1827
#define RPC_X_WRONG_ES_VERSION            1828
#define RPC_X_WRONG_STUB_VERSION          1829
#define RPC_X_INVALID_PIPE_OBJECT         1830
#define RPC_X_WRONG_PIPE_ORDER            1831
#define RPC_X_WRONG_PIPE_VERSION          1832
#define RPC_S_COOKIE_AUTH_FAILED          1833
#define RPC_S_DO_NOT_DISTURB              1834
#define RPC_S_SYSTEM_HANDLE_COUNT_EXCEEDED 1835
#define RPC_S_SYSTEM_HANDLE_TYPE_MISMATCH 1836
#define RPC_S_GROUP_MEMBER_NOT_FOUND      1898
#define EPT_S_CANT_CREATE                 1899
#define RPC_S_INVALID_OBJECT              1900
#define RPC_S_SEND_INCOMPLETE             1913
#define RPC_S_INVALID_ASYNC_HANDLE        1914
#define RPC_S_INVALID_ASYNC_CALL          1915
#define RPC_X_PIPE_CLOSED                 1916
#define RPC_X_PIPE_DISCIPLINE_ERROR       1917
#define RPC_X_PIPE_EMPTY                  1918
#define RPC_S_ENTRY_TYPE_MISMATCH         1922
#define RPC_S_NOT_ALL_OBJS_EXPORTED       1923
#define RPC_S_INTERFACE_NOT_EXPORTED      1924
#define RPC_S_PROFILE_NOT_ADDED           1925
#define RPC_S_PRF_ELT_NOT_ADDED           1926
#define RPC_S_PRF_ELT_NOT_REMOVED         1927
#define RPC_S_GRP_ELT_NOT_ADDED           1928
#define RPC_S_GRP_ELT_NOT_REMOVED         1929

#endif /* RPCRT_RPCNTERR_H */
