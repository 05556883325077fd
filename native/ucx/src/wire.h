// Wire format of the UCX DIM protocol.
//
// Every message is one UCX active message (AM). Its AM header is a fixed
// 48-byte Header followed by the object id (keyLength bytes); its AM data is
// one chunk of the payload. A payload of totalSize bytes travels as
// chunkCount chunks of chunkSize bytes (the last one shorter), each naming
// its message id and index, so the receiver reassembles per message id and
// concurrent messages never mix. Both ends are this addon, so the header is
// in host byte order; only little-endian hosts are supported.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

struct sockaddr_storage;

namespace psucx {

constexpr uint32_t kMagic = 0x58554350;  // "PCUX" read little-endian
constexpr uint8_t kVersion = 1;

// Active message ids: requests go to a server, replies back to a client.
constexpr unsigned kAmRequest = 0x5053;
constexpr unsigned kAmReply = 0x5054;

constexpr size_t kMaxKeyLength = 128;
constexpr uint64_t kMinChunkSize = 4096;
constexpr uint64_t kMaxChunkCount = 1u << 22;

enum class Op : uint8_t {
  kPing = 1,
  kPut = 2,
  kGet = 3,
  kExists = 4,
  kEvict = 5,
  kRaw = 6,  // benchmark baseline: a raw buffer, as one message
};

enum class Status : uint8_t {
  kOk = 0,
  kMissing = 1,
  kError = 2,     // payload: a UTF-8 message
  kTooLarge = 3,  // payload: a UTF-8 message
};

struct Header {
  uint32_t magic;
  uint8_t version;
  uint8_t op;
  uint8_t status;
  uint8_t keyLength;
  uint64_t msgId;
  uint64_t totalSize;
  uint64_t chunkSize;
  uint32_t chunkIndex;
  uint32_t chunkCount;
  uint64_t replyChunkSize;  // requests: chunk size wanted for the reply
};

static_assert(sizeof(Header) == 48, "wire header must be 48 bytes");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the UCX wire format assumes a little-endian host"
#endif

// Number of chunks for a payload (at least one, so 0 bytes is one message).
uint64_t ChunkCountFor(uint64_t totalSize, uint64_t chunkSize);

// Byte offset and length of chunk `index`.
uint64_t ChunkOffset(const Header& h, uint32_t index);
uint64_t ChunkLength(const Header& h, uint32_t index);

// A header plus key, laid out as it goes on the wire.
struct EncodedHeader {
  unsigned char bytes[sizeof(Header) + kMaxKeyLength];
  size_t length;
};

void EncodeHeader(const Header& h, const std::string& key, EncodedHeader* out);

// Parses and checks an AM header. On failure returns false and says why in
// `why`; `msgId` is still filled when the bytes held one, so the request can
// be answered with an error.
bool ParseHeader(const void* bytes, size_t length, Header* h, std::string* key,
                 std::string* why);

// Fills a socket address from an IPv4 or IPv6 literal and a port.
bool ParseAddress(const std::string& host, uint16_t port,
                  struct sockaddr_storage* out, unsigned* length);

// Whether `dataLength` is the right size for chunk h.chunkIndex.
bool ChunkLengthMatches(const Header& h, size_t dataLength);

}  // namespace psucx
