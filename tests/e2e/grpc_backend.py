"""A gRPC test server (Debian python3-grpcio, generic handlers with raw bytes: no protoc needed),
run as a child process so its threads never share the test's interpreter.

Methods of service test.Echo:
  Unary(bytes) -> b"echo:" + bytes, trailing metadata x-trailer: t1;
                  b"fail" -> PERMISSION_DENIED "no" (a trailers-only answer)
  ServerStream(b"N") -> N messages b"item0".. b"itemN-1"
  ClientStream(stream) -> b"|".join(messages)
  Metadata(bytes) -> the invocation metadata it saw, as "k=v;" text
Prints its port on stdout, then serves until killed.
"""

import sys
from concurrent import futures

import grpc


def unary(request, context):
    if request == b"fail":
        context.abort(grpc.StatusCode.PERMISSION_DENIED, "no")
    context.set_trailing_metadata((("x-trailer", "t1"),))
    return b"echo:" + request


def server_stream(request, context):
    for i in range(int(request)):
        yield b"item%d" % i


def client_stream(requests, context):
    return b"|".join(requests)


def metadata(request, context):
    return "".join(f"{k}={v};" for k, v in context.invocation_metadata()).encode()


def main():
    handler = grpc.method_handlers_generic_handler("test.Echo", {
        "Unary": grpc.unary_unary_rpc_method_handler(unary),
        "ServerStream": grpc.unary_stream_rpc_method_handler(server_stream),
        "ClientStream": grpc.stream_unary_rpc_method_handler(client_stream),
        "Metadata": grpc.unary_unary_rpc_method_handler(metadata),
    })
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    sys.exit(main())
