// Byte buffers owned by the addon (from malloc, so JS can adopt them as
// external ArrayBuffers that free() them).
#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>

namespace psucx {

class Blob {
 public:
  // Allocates `size` bytes (at least one, so data() is never null). Large
  // buffers start at kPageOffset within a page; from 4 MiB they are asked
  // to use transparent huge pages, since filling a fresh 64 MiB buffer
  // otherwise costs 16k page faults.
  explicit Blob(size_t size) : size_(size) {
    Allocate(size);
    if (base_ == nullptr) throw std::bad_alloc();
  }
  ~Blob() { std::free(base_); }
  Blob(const Blob&) = delete;
  Blob& operator=(const Blob&) = delete;

  static std::shared_ptr<Blob> FromString(const std::string& text) {
    auto blob = std::make_shared<Blob>(text.size());
    std::memcpy(blob->data(), text.data(), text.size());
    return blob;
  }

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

  // Gives up ownership: returns the bytes and sets `*base` to what the
  // caller must free().
  uint8_t* Release(void** base) {
    uint8_t* out = data_;
    *base = base_;
    base_ = nullptr;
    data_ = nullptr;
    size_ = 0;
    return out;
  }

 private:
  static constexpr size_t kLarge = size_t(64) << 10;
  static constexpr size_t kHugePage = size_t(2) << 20;
  // Where large buffers start within their first page. Buffers at or near
  // a page start (as glibc's mmap-backed blocks are, at +16) moved about a
  // third slower through loopback TCP here than ones at other offsets, the
  // kernel copies meeting its page-aligned socket buffers at equal offsets.
  static constexpr size_t kPageOffset = 2048 + 64;

  void Allocate(size_t size) {
    if (size < kLarge) {
      base_ = std::malloc(size == 0 ? 1 : size);
      data_ = static_cast<uint8_t*>(base_);
      return;
    }

    const size_t offset = kPageOffset;
    const bool huge = size >= 2 * kHugePage;
    const size_t align = huge ? kHugePage : 4096;
    if (posix_memalign(&base_, align, size + offset) != 0) base_ = nullptr;
    if (base_ != nullptr && huge) {
      madvise(base_, size - size % kHugePage, MADV_HUGEPAGE);  // a hint
    }
    data_ = static_cast<uint8_t*>(base_) + (base_ == nullptr ? 0 : offset);
  }

  void* base_ = nullptr;
  uint8_t* data_ = nullptr;
  size_t size_;
};

using BlobPtr = std::shared_ptr<Blob>;

}  // namespace psucx
