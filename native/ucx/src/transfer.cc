// Chunked sends and reassembly of chunked payloads (both directions).
#include <algorithm>

#include "engine.h"

namespace psucx {

namespace {

constexpr size_t kMaxErrorText = 1024;

// One send of a chunked payload: done() runs once all chunks completed.
struct SendGroup {
  uint64_t remaining = 0;
  ucs_status_t status = UCS_OK;
  std::function<void(ucs_status_t)> done;
};

// One chunk in flight. UCX 1.13 reads the AM header until completion, so it
// lives here; `payload` keeps the bytes alive (an evict may drop the map's
// reference meanwhile).
struct SendChunk {
  EncodedHeader header;
  BlobPtr payload;
  std::shared_ptr<SendGroup> group;
};

// One rendezvous receive in flight; `blob` keeps the target bytes alive.
struct RecvChunk {
  Engine* engine;
  InboundPtr inbound;
  BlobPtr blob;
};

void ChunkSent(SendChunk* chunk, ucs_status_t status) {
  std::shared_ptr<SendGroup> group = std::move(chunk->group);
  delete chunk;

  if (status != UCS_OK && group->status == UCS_OK) group->status = status;
  if (--group->remaining == 0 && group->done) group->done(group->status);
}

void OnSendDone(void* request, ucs_status_t status, void* user) {
  ChunkSent(static_cast<SendChunk*>(user), status);
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

  auto group = std::make_shared<SendGroup>();
  group->remaining = h.chunkCount;
  group->done = std::move(done);

  for (uint32_t i = 0; i < h.chunkCount; ++i) {
    auto* chunk = new SendChunk{};
    h.chunkIndex = i;
    EncodeHeader(h, key, &chunk->header);
    chunk->payload = payload;
    chunk->group = group;

    ucp_request_param_t param{};
    param.op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK |
                         UCP_OP_ATTR_FIELD_USER_DATA |
                         UCP_OP_ATTR_FIELD_DATATYPE | UCP_OP_ATTR_FIELD_FLAGS;
    param.cb.send = OnSendDone;
    param.user_data = chunk;
    param.datatype = ucp_dt_make_contig(1);
    param.flags = reply ? UCP_AM_SEND_FLAG_REPLY : 0;

    void* request = ucp_am_send_nbx(
        ep, amId, chunk->header.bytes, chunk->header.length,
        payload->data() + ChunkOffset(h, i), ChunkLength(h, i), &param);
    if (request == nullptr) {
      ChunkSent(chunk, UCS_OK);
    } else if (UCS_PTR_IS_ERR(request)) {
      ChunkSent(chunk, UCS_PTR_STATUS(request));
    }
  }
}

void Engine::SendRaw(ucp_ep_h ep, const std::string& header, BlobPtr payload,
                     std::function<void(ucs_status_t)> done) {
  auto group = std::make_shared<SendGroup>();
  group->remaining = 1;
  group->done = std::move(done);

  auto* chunk = new SendChunk{};
  const size_t length = std::min(header.size(), sizeof(chunk->header.bytes));
  std::memcpy(chunk->header.bytes, header.data(), length);
  chunk->header.length = length;
  chunk->payload = payload ? std::move(payload) : std::make_shared<Blob>(0);
  chunk->group = group;

  ucp_request_param_t param{};
  param.op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK |
                       UCP_OP_ATTR_FIELD_USER_DATA |
                       UCP_OP_ATTR_FIELD_DATATYPE | UCP_OP_ATTR_FIELD_FLAGS;
  param.cb.send = OnSendDone;
  param.user_data = chunk;
  param.datatype = ucp_dt_make_contig(1);
  param.flags = UCP_AM_SEND_FLAG_REPLY;

  void* request = ucp_am_send_nbx(ep, kAmRequest, chunk->header.bytes, length,
                                  chunk->payload->data(),
                                  chunk->payload->size(), &param);
  if (request == nullptr) {
    ChunkSent(chunk, UCS_OK);
  } else if (UCS_PTR_IS_ERR(request)) {
    ChunkSent(chunk, UCS_PTR_STATUS(request));
  }
}

void Engine::SendReply(ucp_ep_h ep, const Header& request, Status status,
                       BlobPtr payload, uint64_t chunkSize) {
  Header h{};
  h.op = request.op;
  h.msgId = request.msgId;
  h.status = static_cast<uint8_t>(status);
  h.chunkSize = chunkSize;
  Send(ep, kAmReply, h, std::string(), std::move(payload), false, nullptr);
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
