#include "tests/hub/raw_call_util.h"

#include <grpcpp/generic/generic_stub.h>

#include <chrono>

#include "hub/cli/health_client.h"

namespace hub::testing {

RawResult RawCall(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                  const std::vector<std::string>& messages, int max_reads,
                  absl::Duration deadline) {
  RawResult result;
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline));
  grpc::CompletionQueue cq;
  void* tag = nullptr;
  bool ok = false;
  auto next = [&] { return cq.Next(&tag, &ok); };
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, method, &cq);
  call->StartCall(reinterpret_cast<void*>(1));
  next();
  for (const std::string& message : messages) {
    if (!ok) break;
    grpc::Slice slice(message);
    grpc::ByteBuffer buffer(&slice, 1);
    call->Write(buffer, reinterpret_cast<void*>(2));
    next();
  }
  if (ok) {
    call->WritesDone(reinterpret_cast<void*>(3));
    next();
  }
  for (int i = 0; i < max_reads; ++i) {
    grpc::ByteBuffer response;
    call->Read(&response, reinterpret_cast<void*>(4));
    next();
    if (!ok) break;
    grpc::Slice slice;
    if (response.DumpToSingleSlice(&slice).ok()) {
      result.responses.emplace_back(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    if (i + 1 == max_reads) context.TryCancel();  // A stream that goes on.
  }
  call->Finish(&result.status, reinterpret_cast<void*>(5));
  next();
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return result;
}

std::optional<google::rpc::Status> RpcStatusOf(const grpc::Status& status) {
  if (status.error_details().empty()) return std::nullopt;
  google::rpc::Status parsed;
  if (!parsed.ParseFromString(status.error_details())) return std::nullopt;
  return parsed;
}

std::optional<google::rpc::BadRequest> BadRequestOf(const grpc::Status& status) {
  std::optional<google::rpc::Status> rpc = RpcStatusOf(status);
  if (!rpc.has_value()) return std::nullopt;
  for (const google::protobuf::Any& detail : rpc->details()) {
    google::rpc::BadRequest bad;
    if (detail.UnpackTo(&bad)) return bad;
  }
  return std::nullopt;
}

bool IsServing(const std::shared_ptr<grpc::Channel>& channel) {
  absl::StatusOr<ServingStatus> health = CheckHealth(channel, "", absl::Seconds(10));
  return health.ok() && *health == ServingStatus::kServing;
}

}  // namespace hub::testing
