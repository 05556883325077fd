// Byte buffers owned by the addon (malloc'd, so JS can adopt them as external
// ArrayBuffers that free() them) and completions handed back to JS.
#pragma once

#include <node_api.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>

namespace psucx {

class Blob {
 public:
  // Allocates `size` bytes (at least one, so data() is never null). Large
  // buffers are 2 MiB aligned and asked to use transparent huge pages: a
  // fresh 64 MiB buffer otherwise costs 16k page faults to fill.
  explicit Blob(size_t size) : data_(Allocate(size)), size_(size) {
    if (data_ == nullptr) throw std::bad_alloc();
  }
  ~Blob() { std::free(data_); }
  Blob(const Blob&) = delete;
  Blob& operator=(const Blob&) = delete;

  static std::shared_ptr<Blob> FromString(const std::string& text) {
    auto blob = std::make_shared<Blob>(text.size());
    std::memcpy(blob->data(), text.data(), text.size());
    return blob;
  }

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

  // Gives up ownership of the bytes (the caller must free() them).
  uint8_t* Release() {
    uint8_t* out = data_;
    data_ = nullptr;
    size_ = 0;
    return out;
  }

 private:
  static constexpr size_t kHugePage = size_t(2) << 20;

  static uint8_t* Allocate(size_t size) {
    if (size < 2 * kHugePage) {
      return static_cast<uint8_t*>(std::malloc(size == 0 ? 1 : size));
    }

    void* data = nullptr;
    if (posix_memalign(&data, kHugePage, size) != 0) return nullptr;
    madvise(data, size - size % kHugePage, MADV_HUGEPAGE);  // a hint only
    return static_cast<uint8_t*>(data);
  }

  uint8_t* data_;
  size_t size_;
};

using BlobPtr = std::shared_ptr<Blob>;

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
  // kData: bytes owned by the completion until JS adopts them.
  uint8_t* bytes = nullptr;
  size_t size = 0;
  uint64_t serverId = 0;
  uint16_t port = 0;

  Completion() = default;
  Completion(const Completion&) = delete;
  Completion& operator=(const Completion&) = delete;
  ~Completion() { std::free(bytes); }
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
