#include "wire.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace psucx {

uint64_t ChunkCountFor(uint64_t totalSize, uint64_t chunkSize) {
  if (totalSize == 0) return 1;
  return totalSize / chunkSize + (totalSize % chunkSize != 0 ? 1 : 0);
}

uint64_t ChunkOffset(const Header& h, uint32_t index) {
  return static_cast<uint64_t>(index) * h.chunkSize;
}

uint64_t ChunkLength(const Header& h, uint32_t index) {
  const uint64_t offset = ChunkOffset(h, index);
  if (offset >= h.totalSize) return 0;
  const uint64_t rest = h.totalSize - offset;
  return rest < h.chunkSize ? rest : h.chunkSize;
}

void EncodeHeader(const Header& h, const std::string& key,
                  EncodedHeader* out) {
  Header copy = h;
  copy.magic = kMagic;
  copy.version = kVersion;
  copy.keyLength = static_cast<uint8_t>(key.size());

  std::memcpy(out->bytes, &copy, sizeof(Header));
  std::memcpy(out->bytes + sizeof(Header), key.data(), key.size());
  out->length = sizeof(Header) + key.size();
}

static bool KeyIsPrintable(const std::string& key) {
  for (unsigned char c : key) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

bool ParseHeader(const void* bytes, size_t length, Header* h, std::string* key,
                 std::string* why) {
  h->msgId = 0;
  if (length < sizeof(Header)) {
    *why = "message header is shorter than 48 bytes";
    return false;
  }

  std::memcpy(h, bytes, sizeof(Header));
  if (h->magic != kMagic || h->version != kVersion) {
    *why = "message has an unknown magic number or protocol version";
    return false;
  }
  if (length != sizeof(Header) + h->keyLength) {
    *why = "message header length does not match its key length";
    return false;
  }

  const char* keyBytes = static_cast<const char*>(bytes) + sizeof(Header);
  key->assign(keyBytes, h->keyLength);
  if (!KeyIsPrintable(*key)) {
    *why = "message key holds non-printable bytes";
    return false;
  }
  if (h->op < static_cast<uint8_t>(Op::kPing) ||
      h->op > static_cast<uint8_t>(Op::kRaw)) {
    *why = "message names an unknown operation";
    return false;
  }
  if (h->status > static_cast<uint8_t>(Status::kTooLarge)) {
    *why = "message carries an unknown status";
    return false;
  }

  if (h->chunkSize < kMinChunkSize || h->chunkCount == 0 ||
      h->chunkCount > kMaxChunkCount || h->chunkIndex >= h->chunkCount ||
      h->chunkCount != ChunkCountFor(h->totalSize, h->chunkSize)) {
    *why = "message chunk fields are inconsistent";
    return false;
  }
  return true;
}

bool ParseAddress(const std::string& host, uint16_t port,
                  struct sockaddr_storage* out, unsigned* length) {
  std::memset(out, 0, sizeof(*out));

  auto* v4 = reinterpret_cast<sockaddr_in*>(out);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *length = sizeof(sockaddr_in);
    return true;
  }

  auto* v6 = reinterpret_cast<sockaddr_in6*>(out);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    *length = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

bool ChunkLengthMatches(const Header& h, size_t dataLength) {
  return ChunkLength(h, h.chunkIndex) == dataLength;
}

}  // namespace psucx
