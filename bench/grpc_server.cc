// bench/grpc_server.cc -- the gRPC peer's server: the synchronous gRPC++
// server (its own thread pool) on 127.0.0.1, a dynamic port, insecure
// credentials; prints "listening 127.0.0.1:PORT"; SIGTERM/SIGINT end it.
#include <csignal>
#include <cstdio>
#include <memory>

#include <pthread.h>

#include <grpcpp/grpcpp.h>

#include "grpc_peer.grpc.pb.h"

namespace {

class BenchImpl final : public rpcbench::Bench::Service {
    grpc::Status Null(grpc::ServerContext *, const rpcbench::Empty *,
                      rpcbench::Empty *) override
    {
        return grpc::Status::OK;
    }
    grpc::Status Echo(grpc::ServerContext *, const rpcbench::Bytes *in,
                      rpcbench::Bytes *out) override
    {
        out->set_data(in->data());
        return grpc::Status::OK;
    }
};

}  // namespace

int
main()
{
    sigset_t sigs;
    int sig = 0, port = 0;

    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

    BenchImpl service;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.SetMaxReceiveMessageSize(64 << 20);
    builder.SetMaxSendMessageSize(64 << 20);
    builder.RegisterService(&service);
    std::unique_ptr<grpc::Server> server(builder.BuildAndStart());
    if (!server || port == 0) {
        std::fprintf(stderr, "grpc-server: cannot listen\n");
        return 1;
    }
    std::printf("listening 127.0.0.1:%d\n", port);
    std::fflush(stdout);
    do {
        if (sigwait(&sigs, &sig) != 0)
            sig = SIGTERM;
    } while (sig != SIGINT && sig != SIGTERM);
    server->Shutdown();
    return 0;
}
