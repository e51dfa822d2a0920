// bench/grpc_client.cc -- the gRPC peer's client side, a shared object
// rpcbench dlopen()s (see bench.h).  One channel per connection, with a
// local subchannel pool so that each channel has its own TCP connection
// (by default gRPC shares one between channels with the same target).
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "grpc_peer.grpc.pb.h"

extern "C" {
#include "bench/bench.h"
}

namespace {

struct Conn {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<rpcbench::Bench::Stub> stub;
};

void *
grpc_connect(const char *addr, char *err, size_t errlen)
{
    grpc::ChannelArguments args;

    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    auto c = new Conn;
    c->channel = grpc::CreateCustomChannel(addr, grpc::InsecureChannelCredentials(), args);
    if (!c->channel->WaitForConnected(std::chrono::system_clock::now() +
                                      std::chrono::seconds(10))) {
        std::snprintf(err, errlen, "%s: cannot connect", addr);
        delete c;
        return nullptr;
    }
    c->stub = rpcbench::Bench::NewStub(c->channel);
    return c;
}

int
grpc_call(void *conn, const void *in, uint32_t n, void *out)
{
    auto c = static_cast<Conn *>(conn);
    grpc::ClientContext ctx;

    if (n == 0) {
        rpcbench::Empty req, resp;
        return c->stub->Null(&ctx, req, &resp).ok() ? 0 : -1;
    }
    rpcbench::Bytes req, resp;
    req.set_data(in, n);
    if (!c->stub->Echo(&ctx, req, &resp).ok() || resp.data().size() != n)
        return -1;
    std::memcpy(out, resp.data().data(), n);
    return 0;
}

void
grpc_close(void *conn)
{
    delete static_cast<Conn *>(conn);
}

const struct bench_peer grpc_peer = {
    BENCH_PEER_ABI, "grpc", grpc_connect, grpc_call, grpc_close,
};

}  // namespace

extern "C" const struct bench_peer *bench_peer_get(void);

extern "C" const struct bench_peer *
bench_peer_get(void)
{
    return &grpc_peer;
}
