// Completions: the outcome of a JS call, handed back to the JS thread that
// made it through that thread's EnvLink.
#pragma once

#include <node_api.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

namespace psucx {

// The outcome of one JS call, delivered to the JS thread that made it.
struct Completion {
  enum class Kind { kUndefined, kBool, kNull, kData, kServer };

  uint64_t callId = 0;
  Kind kind = Kind::kUndefined;
  // When `error` is set the call failed; `code` is the JS error code.
  std::string error;
  std::string code;
  std::string ucsStatus;
  bool flag = false;
  // kData: bytes owned by the completion until JS adopts them; `base` is
  // the allocation to free().
  uint8_t* bytes = nullptr;
  void* base = nullptr;
  size_t size = 0;
  uint64_t serverId = 0;
  uint16_t port = 0;

  Completion() = default;
  Completion(const Completion&) = delete;
  Completion& operator=(const Completion&) = delete;
  ~Completion() { std::free(base); }
};

// The link from the progress thread back to one JS environment (main thread
// or a worker). Closed when that environment shuts down.
class EnvLink {
 public:
  explicit EnvLink(napi_threadsafe_function tsfn) : tsfn_(tsfn) {}

  // Hands a completion to the JS thread; drops it if the env is gone.
  void Deliver(std::unique_ptr<Completion> completion) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;

    napi_status status = napi_call_threadsafe_function(
        tsfn_, completion.get(), napi_tsfn_nonblocking);
    if (status == napi_ok) completion.release();
  }

  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }

 private:
  std::mutex mu_;
  bool closed_ = false;
  napi_threadsafe_function tsfn_;
};

using EnvLinkPtr = std::shared_ptr<EnvLink>;

}  // namespace psucx
