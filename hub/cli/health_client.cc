#include "hub/cli/health_client.h"

#include <grpcpp/generic/generic_stub.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "hub/common/rpc_status.h"

namespace hub {
namespace {

constexpr char kCheckMethod[] = "/grpc.health.v1.Health/Check";

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

bool ReadVarint(std::string_view bytes, size_t* pos, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= bytes.size()) return false;
    uint8_t b = static_cast<uint8_t>(bytes[(*pos)++]);
    *value |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

std::string_view ServingStatusName(ServingStatus status) {
  switch (status) {
    case ServingStatus::kServing:
      return "SERVING";
    case ServingStatus::kNotServing:
      return "NOT_SERVING";
    case ServingStatus::kServiceUnknown:
      return "SERVICE_UNKNOWN";
    case ServingStatus::kUnknown:
      break;
  }
  return "UNKNOWN";
}

std::string EncodeHealthCheckRequest(std::string_view service) {
  std::string out;
  if (service.empty()) return out;  // proto3: default fields are not written.
  out.push_back(0x0A);              // Field 1, wire type 2 (length-delimited).
  AppendVarint(service.size(), &out);
  out.append(service);
  return out;
}

absl::StatusOr<ServingStatus> DecodeHealthCheckResponse(std::string_view bytes) {
  const absl::Status malformed =
      absl::InvalidArgumentError("the health check response is not a HealthCheckResponse");
  uint64_t status = 0;  // Absent field = UNKNOWN.
  size_t pos = 0;
  while (pos < bytes.size()) {
    uint64_t tag;
    if (!ReadVarint(bytes, &pos, &tag)) return malformed;
    const uint64_t field = tag >> 3;
    uint64_t value = 0;
    switch (tag & 7) {
      case 0:  // Varint.
        if (!ReadVarint(bytes, &pos, &value)) return malformed;
        if (field == 1) status = value;
        break;
      case 1:  // 64-bit.
        if (bytes.size() - pos < 8) return malformed;
        pos += 8;
        break;
      case 2:  // Length-delimited.
        if (!ReadVarint(bytes, &pos, &value) || value > bytes.size() - pos) return malformed;
        pos += value;
        break;
      case 5:  // 32-bit.
        if (bytes.size() - pos < 4) return malformed;
        pos += 4;
        break;
      default:
        return malformed;
    }
  }
  return status <= 3 ? static_cast<ServingStatus>(status) : ServingStatus::kUnknown;
}

absl::StatusOr<ServingStatus> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                          std::string_view service, absl::Duration timeout) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_wait_for_ready(false);
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));

  const std::string request_bytes = EncodeHealthCheckRequest(service);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status rpc_status;
  absl::Notification done;
  stub.UnaryCall(&context, kCheckMethod, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   rpc_status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (!rpc_status.ok()) return FromGrpcStatus(rpc_status);

  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) {
    return absl::InternalError("could not read the health check response");
  }
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return DecodeHealthCheckResponse(bytes);
}

}  // namespace hub
