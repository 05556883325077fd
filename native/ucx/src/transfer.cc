// Chunked sends and reassembly of chunked payloads (both directions).
#include <algorithm>

#include "engine.h"

namespace psucx {

namespace {

constexpr size_t kMaxErrorText = 1024;

// How much of one message may be in flight at once: a large answer then
// neither floods UCX with requests nor keeps its first chunk from landing
// until its last one was sent.
constexpr uint32_t kWindowChunks = 64;
constexpr uint64_t kWindowBytes = uint64_t(32) << 20;

}  // namespace

// One chunked message being sent; done() runs once, after its last chunk.
struct OutMessage {
  Engine* engine = nullptr;
  ucp_ep_h ep = nullptr;
  uint64_t connSerial = 0;
  unsigned amId = 0;
  bool reply = false;
  Header header{};
  std::string key;
  std::string rawHeader;  // tests only: sent verbatim, as one chunk
  BlobPtr payload;
  uint32_t next = 0;
  uint32_t inflight = 0;
  uint64_t inflightBytes = 0;
  ucs_status_t status = UCS_OK;
  bool finished = false;
  std::function<void(ucs_status_t)> done;
};

// One chunk in flight. UCX 1.13 reads the AM header until completion, so it
// lives here; the message keeps the payload alive (an evict may drop the
// map's reference meanwhile).
struct SendChunk {
  EncodedHeader header;
  uint64_t length = 0;
  std::shared_ptr<OutMessage> message;
};

namespace {

// One rendezvous receive in flight; `blob` keeps the target bytes alive.
struct RecvChunk {
  Engine* engine;
  InboundPtr inbound;
  BlobPtr blob;
};

void OnSendDone(void* request, ucs_status_t status, void* user) {
  auto* chunk = static_cast<SendChunk*>(user);
  chunk->message->engine->ChunkSent(chunk, status);
  ucp_request_free(request);
}

}  // namespace

void Engine::Send(ucp_ep_h ep, unsigned amId, Header h,
                  const std::string& key, BlobPtr payload, bool reply,
                  std::function<void(ucs_status_t)> done) {
  if (!payload) payload = std::make_shared<Blob>(0);

  h.totalSize = payload->size();
  h.chunkSize = std::max(h.chunkSize, kMinChunkSize);
  while (ChunkCountFor(h.totalSize, h.chunkSize) > kMaxChunkCount) {
    h.chunkSize *= 2;
  }
  h.chunkCount = static_cast<uint32_t>(ChunkCountFor(h.totalSize, h.chunkSize));

  auto message = std::make_shared<OutMessage>();
  message->engine = this;
  message->ep = ep;
  message->amId = amId;
  message->reply = reply;
  message->header = h;
  message->key = key;
  message->payload = std::move(payload);
  message->done = std::move(done);
  Pump(message);
}

void Engine::SendRaw(ucp_ep_h ep, const std::string& header, BlobPtr payload,
                     std::function<void(ucs_status_t)> done) {
  if (!payload) payload = std::make_shared<Blob>(0);

  auto message = std::make_shared<OutMessage>();
  message->engine = this;
  message->ep = ep;
  message->amId = kAmRequest;
  message->reply = true;
  message->header.totalSize = payload->size();
  message->header.chunkSize = std::max<uint64_t>(payload->size(), 1);
  message->header.chunkCount = 1;
  message->rawHeader = header.substr(0, sizeof(EncodedHeader::bytes));
  message->payload = std::move(payload);
  message->done = std::move(done);
  Pump(message);
}

void Engine::Pump(const std::shared_ptr<OutMessage>& message) {
  OutMessage& m = *message;
  if (m.connSerial == 0) {
    auto conn = conns_.find(m.ep);
    m.connSerial = conn == conns_.end() ? 0 : conn->second->serial;
  }

  while (m.status == UCS_OK && m.next < m.header.chunkCount &&
         (m.inflight == 0 ||
          (m.inflight < kWindowChunks && m.inflightBytes < kWindowBytes))) {
    // The endpoint may have failed and closed since the last chunk.
    auto conn = conns_.find(m.ep);
    if (conn == conns_.end() || conn->second->serial != m.connSerial) {
      m.status = UCS_ERR_CANCELED;
      break;
    }

    const uint32_t index = m.next++;
    auto* chunk = new SendChunk{};
    chunk->message = message;
    chunk->length = ChunkLength(m.header, index);
    if (m.rawHeader.empty()) {
      Header h = m.header;
      h.chunkIndex = index;
      EncodeHeader(h, m.key, &chunk->header);
    } else {
      std::memcpy(chunk->header.bytes, m.rawHeader.data(), m.rawHeader.size());
      chunk->header.length = m.rawHeader.size();
    }

    ucp_request_param_t param{};
    param.op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK |
                         UCP_OP_ATTR_FIELD_USER_DATA |
                         UCP_OP_ATTR_FIELD_DATATYPE | UCP_OP_ATTR_FIELD_FLAGS;
    param.cb.send = OnSendDone;
    param.user_data = chunk;
    param.datatype = ucp_dt_make_contig(1);
    param.flags = m.reply ? UCP_AM_SEND_FLAG_REPLY : 0;

    void* request = ucp_am_send_nbx(
        m.ep, m.amId, chunk->header.bytes, chunk->header.length,
        m.payload->data() + ChunkOffset(m.header, index), chunk->length,
        &param);
    if (UCS_PTR_IS_PTR(request)) {
      m.inflight += 1;
      m.inflightBytes += chunk->length;
      continue;
    }
    if (UCS_PTR_IS_ERR(request)) m.status = UCS_PTR_STATUS(request);
    delete chunk;  // completed at once, or failed
  }

  const bool sentAll = m.next == m.header.chunkCount;
  if (m.inflight == 0 && !m.finished && (sentAll || m.status != UCS_OK)) {
    m.finished = true;
    auto done = std::move(m.done);
    if (done) done(m.status);
  }
}

void Engine::ChunkSent(SendChunk* chunk, ucs_status_t status) {
  std::shared_ptr<OutMessage> message = std::move(chunk->message);
  message->inflight -= 1;
  message->inflightBytes -= chunk->length;
  delete chunk;

  if (status != UCS_OK && message->status == UCS_OK) message->status = status;
  Pump(message);
}

void Engine::SendReply(ucp_ep_h ep, const Header& request, Status status,
                       BlobPtr payload, uint64_t chunkSize) {
  Header h{};
  h.op = request.op;
  h.msgId = request.msgId;
  h.status = static_cast<uint8_t>(status);
  h.chunkSize = chunkSize;
  Send(ep, kAmReply, h, std::string(), std::move(payload), true, nullptr);
}

void Engine::SendError(ucp_ep_h ep, const Header& request, Status status,
                       const std::string& message) {
  const std::string text = message.substr(0, kMaxErrorText);
  SendReply(ep, request, status, Blob::FromString(text), kMinChunkSize);
}

void Engine::AcceptChunk(const InboundPtr& in, const Header& h, void* data,
                         size_t length, bool rndv) {
  if (in->finished) return;  // a failed message: drop what is left of it

  const Header& first = in->first;
  if (h.totalSize != first.totalSize || h.chunkSize != first.chunkSize ||
      h.chunkCount != first.chunkCount || h.op != first.op) {
    FinishInbound(*in, "a chunk does not match the message it belongs to",
                  Status::kError);
    return;
  }
  if (in->seen[h.chunkIndex]) {
    FinishInbound(*in, "a chunk arrived twice", Status::kError);
    return;
  }
  if (!ChunkLengthMatches(h, length)) {
    FinishInbound(*in, "a chunk has the wrong length", Status::kError);
    return;
  }
  in->seen[h.chunkIndex] = true;

  uint8_t* target = in->blob->data() + ChunkOffset(h, h.chunkIndex);
  if (!rndv) {
    if (length > 0) std::memcpy(target, data, length);
    ChunkLanded(in, UCS_OK, length);
    return;
  }

  auto* chunk = new RecvChunk{this, in, in->blob};
  ucp_request_param_t param{};
  param.op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK |
                       UCP_OP_ATTR_FIELD_USER_DATA |
                       UCP_OP_ATTR_FIELD_DATATYPE;
  param.cb.recv_am = [](void* request, ucs_status_t status, size_t received,
                        void* user) {
    auto* done = static_cast<RecvChunk*>(user);
    done->engine->ChunkLanded(done->inbound, status, received);
    delete done;
    ucp_request_free(request);
  };
  param.user_data = chunk;
  param.datatype = ucp_dt_make_contig(1);

  void* request = ucp_am_recv_data_nbx(worker_, data, target, length, &param);
  if (request == nullptr) {
    delete chunk;
    ChunkLanded(in, UCS_OK, length);
  } else if (UCS_PTR_IS_ERR(request)) {
    delete chunk;
    ChunkLanded(in, UCS_PTR_STATUS(request), 0);
  }
}

void Engine::ChunkLanded(const InboundPtr& in, ucs_status_t status,
                         size_t length) {
  if (status == UCS_OK) received_ += length;
  if (in->finished) return;

  if (status != UCS_OK) {
    FinishInbound(*in,
                  std::string("receiving a chunk failed: ") +
                      ucs_status_string(status),
                  Status::kError);
    return;
  }

  in->chunksDone += 1;
  if (in->chunksDone == in->first.chunkCount) {
    FinishInbound(*in, std::string(), Status::kOk);
  }
}

void Engine::FinishInbound(Inbound& in, const std::string& failure,
                           Status status) {
  if (in.finished) return;
  in.finished = true;

  auto done = std::move(in.onDone);
  if (done) done(in, failure, status);
}

}  // namespace psucx
