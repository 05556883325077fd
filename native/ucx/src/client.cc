// The client side: one cached endpoint per peer, requests, and replies.
#include <sys/socket.h>

#include <algorithm>
#include <new>

#include "engine.h"

namespace psucx {

namespace {

constexpr size_t kMaxErrorText = 1024;

std::string ConnFailure(const std::string& peer, ucs_status_t status) {
  return "The UCX connection to peer " + peer + " failed (" +
         ucs_status_string(status) +
         "); the peer may have exited or may not be listening.";
}

}  // namespace

Conn* Engine::Connect(const std::string& host, uint16_t port,
                      std::string* error, std::string* ucsStatus) {
  const std::string peer = host + ":" + std::to_string(port);
  auto cached = clients_.find(peer);
  if (cached != clients_.end()) return cached->second;

  sockaddr_storage addr{};
  unsigned addrLength = 0;
  if (!ParseAddress(host, port, &addr, &addrLength)) {
    *error = "Cannot reach peer '" + peer +
             "': the host is not an IPv4 or IPv6 address.";
    return nullptr;
  }

  ucp_ep_params_t params{};
  params.field_mask = UCP_EP_PARAM_FIELD_FLAGS | UCP_EP_PARAM_FIELD_SOCK_ADDR |
                      UCP_EP_PARAM_FIELD_ERR_HANDLER |
                      UCP_EP_PARAM_FIELD_ERR_HANDLING_MODE;
  params.flags = UCP_EP_PARAMS_FLAGS_CLIENT_SERVER;
  params.sockaddr.addr = reinterpret_cast<const sockaddr*>(&addr);
  params.sockaddr.addrlen = addrLength;
  params.err_mode = UCP_ERR_HANDLING_MODE_PEER;
  params.err_handler.cb = &Engine::OnEpError;
  params.err_handler.arg = this;

  ucp_ep_h ep = nullptr;
  ucs_status_t status = ucp_ep_create(worker_, &params, &ep);
  if (status != UCS_OK) {
    *error = ConnFailure(peer, status);
    *ucsStatus = ucs_status_string(status);
    return nullptr;
  }

  auto conn = std::make_unique<Conn>();
  conn->ep = ep;
  conn->serial = NextId();
  conn->peer = peer;
  Conn* raw = conn.get();
  conns_[ep] = std::move(conn);
  clients_[peer] = raw;
  return raw;
}

void Engine::Request(EnvLinkPtr link, uint64_t callId, RequestSpec spec) {
  std::string error;
  std::string ucsStatus;
  Conn* conn = Connect(spec.host, spec.port, &error, &ucsStatus);
  if (conn == nullptr) {
    auto c = std::make_unique<Completion>();
    c->callId = callId;
    c->code = "ERR_UCX_PEER";
    c->error = error;
    c->ucsStatus = ucsStatus;
    link->Deliver(std::move(c));
    return;
  }

  auto pending = std::make_unique<Pending>();
  pending->id = callId;
  pending->link = std::move(link);
  pending->op = static_cast<uint8_t>(spec.op);
  pending->ep = conn->ep;
  pending->peer = conn->peer;
  pending->maxReplySize = spec.maxReplySize;
  pending_[callId] = std::move(pending);
  conn->requests.insert(callId);

  const std::string peer = conn->peer;
  auto sent = [this, callId, peer](ucs_status_t status) {
    if (status == UCS_OK) return;
    FailRequest(callId, "ERR_UCX_PEER", ConnFailure(peer, status),
                ucs_status_string(status));
  };

  if (!spec.rawHeader.empty()) {
    // Tests: a hand-made header, with this call's id as its message id.
    std::string header = spec.rawHeader;
    if (header.size() >= 16) std::memcpy(&header[8], &callId, 8);
    if (header.size() >= 6) pending_[callId]->op = uint8_t(header[5]);
    SendRaw(conn->ep, header, std::move(spec.data), sent);
    return;
  }

  Header h{};
  h.op = static_cast<uint8_t>(spec.op);
  h.msgId = callId;
  h.chunkSize = spec.chunkSize;
  h.replyChunkSize = std::max(spec.chunkSize, kMinChunkSize);
  Send(conn->ep, kAmRequest, h, spec.key, std::move(spec.data), true, sent);
}

void Engine::Cancel(uint64_t callId) {
  auto it = pending_.find(callId);
  if (it == pending_.end()) return;

  auto conn = clients_.find(it->second->peer);
  if (conn != clients_.end()) conn->second->requests.erase(callId);
  pending_.erase(it);
}

void Engine::Finish(uint64_t id, std::unique_ptr<Completion> completion) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;

  EnvLinkPtr link = it->second->link;
  Cancel(id);
  link->Deliver(std::move(completion));
}

void Engine::FailRequest(uint64_t id, const std::string& code,
                         const std::string& message,
                         const std::string& ucsStatus) {
  auto c = std::make_unique<Completion>();
  c->callId = id;
  c->code = code;
  c->error = message;
  c->ucsStatus = ucsStatus;
  Finish(id, std::move(c));
}

void Engine::FailConn(Conn* conn, ucs_status_t status) {
  auto client = clients_.find(conn->peer);
  if (client != clients_.end() && client->second == conn) {
    clients_.erase(client);
  }

  const std::vector<uint64_t> ids(conn->requests.begin(),
                                  conn->requests.end());
  conn->requests.clear();
  for (uint64_t id : ids) {
    FailRequest(id, "ERR_UCX_PEER", ConnFailure(conn->peer, status),
                ucs_status_string(status));
  }
}

ucs_status_t Engine::OnReplyAm(void* arg, const void* header,
                               size_t headerLength, void* data, size_t length,
                               const ucp_am_recv_param_t* param) {
  auto* engine = static_cast<Engine*>(arg);
  const bool rndv = (param->recv_attr & UCP_AM_RECV_ATTR_FLAG_RNDV) != 0;
  const bool hasEp = (param->recv_attr & UCP_AM_RECV_ATTR_FIELD_REPLY_EP) != 0;
  ucp_ep_h from = hasEp ? param->reply_ep : nullptr;

  Header h{};
  std::string key;
  std::string why;
  const bool parsed = ParseHeader(header, headerLength, &h, &key, &why);
  auto it = engine->pending_.find(h.msgId);
  if (it == engine->pending_.end() || it->second->ep != from) {
    return UCS_OK;  // cancelled, timed out, failed, or not from its peer
  }

  if (!parsed) {
    engine->FailRequest(h.msgId, "ERR_UCX_PROTOCOL",
                        "A malformed reply arrived: " + why + ".", "");
    return UCS_OK;
  }
  engine->HandleReply(from, h, data, length, rndv);
  return UCS_OK;
}

void Engine::HandleReply(ucp_ep_h from, const Header& h, void* data,
                         size_t length, bool rndv) {
  auto it = pending_.find(h.msgId);
  if (it == pending_.end() || it->second->ep != from) return;

  Pending* pending = it->second.get();
  const uint64_t id = pending->id;
  const std::string& peer = pending->peer;
  if (h.op != pending->op) {
    FailRequest(id, "ERR_UCX_PROTOCOL",
                "Peer " + peer + " answered with another operation.", "");
    return;
  }

  const auto status = static_cast<Status>(h.status);
  if (status == Status::kError || status == Status::kTooLarge) {
    std::string text;
    if (!rndv) {
      text.assign(static_cast<const char*>(data),
                  std::min(length, kMaxErrorText));
    }
    FailRequest(id,
                status == Status::kTooLarge ? "ERR_UCX_TOO_LARGE"
                                            : "ERR_UCX_REMOTE",
                "Peer " + peer + " refused the request: " + text, "");
    return;
  }

  auto c = std::make_unique<Completion>();
  c->callId = id;
  const bool found = status == Status::kOk;
  switch (static_cast<Op>(pending->op)) {
    case Op::kExists:
      c->kind = Completion::Kind::kBool;
      c->flag = found;
      Finish(id, std::move(c));
      return;
    case Op::kGet:
    case Op::kRaw:
      if (found) break;
      c->kind = Completion::Kind::kNull;
      Finish(id, std::move(c));
      return;
    default:
      Finish(id, std::move(c));
      return;
  }

  if (!pending->reply) {
    if (h.totalSize > pending->maxReplySize) {
      FailRequest(id, "ERR_UCX_TOO_LARGE",
                  "Peer " + peer + " sent an object of " +
                      std::to_string(h.totalSize) +
                      " bytes, more than maxMessageSize (" +
                      std::to_string(pending->maxReplySize) + " bytes).",
                  "");
      return;
    }

    auto in = std::make_shared<Inbound>();
    in->first = h;
    in->seen.assign(h.chunkCount, false);
    try {
      in->blob = std::make_shared<Blob>(h.totalSize);
    } catch (const std::bad_alloc&) {
      FailRequest(id, "ERR_UCX_NO_MEMORY",
                  "Cannot allocate " + std::to_string(h.totalSize) +
                      " bytes for the reply of peer " + peer + ".",
                  "");
      return;
    }
    in->onDone = [this, id, peer](Inbound& done, const std::string& failure,
                                  Status) {
      if (!failure.empty()) {
        FailRequest(id, "ERR_UCX_PROTOCOL",
                    "The reply of peer " + peer + " was broken: " + failure +
                        ".",
                    "");
        return;
      }
      auto result = std::make_unique<Completion>();
      result->callId = id;
      result->kind = Completion::Kind::kData;
      result->size = done.blob->size();
      result->bytes = done.blob->Release(&result->base);
      Finish(id, std::move(result));
    };
    pending->reply = in;
  }

  InboundPtr in = pending->reply;
  AcceptChunk(in, h, data, length, rndv);
}

}  // namespace psucx
