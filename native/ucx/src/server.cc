// The storage server: a UCX listener per address, and the objects put to it.
// Requests are answered here, on the progress thread, without any JS thread,
// so a JS thread blocked in a synchronous resolve cannot stall its own server.
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <new>

#include "engine.h"

namespace psucx {

namespace {

uint16_t PortOf(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
}

std::unique_ptr<Completion> Failure(uint64_t callId, const std::string& code,
                                    const std::string& message,
                                    ucs_status_t status = UCS_OK) {
  auto c = std::make_unique<Completion>();
  c->callId = callId;
  c->code = code;
  c->error = message;
  if (status != UCS_OK) c->ucsStatus = ucs_status_string(status);
  return c;
}

std::unique_ptr<Completion> Done(uint64_t callId) {
  auto c = std::make_unique<Completion>();
  c->callId = callId;
  return c;
}

bool NeedsKey(Op op) {
  return op == Op::kPut || op == Op::kGet || op == Op::kExists ||
         op == Op::kEvict;
}

}  // namespace

Server* Engine::FindServer(uint64_t id) {
  auto it = servers_.find(id);
  return it == servers_.end() ? nullptr : it->second.get();
}

void Engine::StartServer(EnvLinkPtr link, uint64_t callId,
                         const std::string& host, uint16_t port,
                         uint64_t maxMessageSize, uint64_t chunkSize) {
  const std::string address = host + ":" + std::to_string(port);
  sockaddr_storage addr{};
  unsigned addrLength = 0;
  if (!ParseAddress(host, port, &addr, &addrLength)) {
    link->Deliver(Failure(callId, "ERR_UCX_INVALID_ADDRESS",
                          "Cannot listen on '" + address +
                              "': the host is not an IPv4 or IPv6 address."));
    return;
  }

  auto server = std::make_unique<Server>();
  server->engine = this;
  server->id = callId;
  server->maxMessageSize = maxMessageSize;
  server->chunkSize = std::max(chunkSize, kMinChunkSize);

  ucp_listener_params_t params{};
  params.field_mask = UCP_LISTENER_PARAM_FIELD_SOCK_ADDR |
                      UCP_LISTENER_PARAM_FIELD_CONN_HANDLER;
  params.sockaddr.addr = reinterpret_cast<const sockaddr*>(&addr);
  params.sockaddr.addrlen = addrLength;
  params.conn_handler.cb = &Engine::OnConnRequest;
  params.conn_handler.arg = server.get();
  ucs_status_t status =
      ucp_listener_create(worker_, &params, &server->listener);
  if (status != UCS_OK) {
    const bool busy = status == UCS_ERR_BUSY;
    link->Deliver(Failure(
        callId, busy ? "ERR_UCX_ADDRESS_IN_USE" : "ERR_UCX_LISTEN",
        "Cannot listen on " + address + ": " + ucs_status_string(status) +
            ".",
        status));
    return;
  }

  ucp_listener_attr_t attr{};
  attr.field_mask = UCP_LISTENER_ATTR_FIELD_SOCKADDR;
  status = ucp_listener_query(server->listener, &attr);
  const uint16_t bound = status == UCS_OK ? PortOf(attr.sockaddr) : port;

  auto c = Done(callId);
  c->kind = Completion::Kind::kServer;
  c->serverId = server->id;
  c->port = bound;
  servers_[server->id] = std::move(server);
  link->Deliver(std::move(c));
}

void Engine::DropServer(Server* server) {
  if (server->listener != nullptr) ucp_listener_destroy(server->listener);
  server->listener = nullptr;

  std::vector<ucp_ep_h> eps(server->eps.begin(), server->eps.end());
  for (ucp_ep_h ep : eps) CloseEp(ep);
  servers_.erase(server->id);
}

void Engine::StopServer(EnvLinkPtr link, uint64_t callId, uint64_t serverId) {
  if (Server* server = FindServer(serverId)) DropServer(server);
  link->Deliver(Done(callId));
}

void Engine::LocalPut(EnvLinkPtr link, uint64_t callId, uint64_t serverId,
                      const std::string& key, BlobPtr data) {
  Server* server = FindServer(serverId);
  if (server == nullptr) {
    link->Deliver(Failure(callId, "ERR_UCX_SERVER_STOPPED",
                          "The local UCX server was stopped; the object "
                          "was not stored."));
    return;
  }

  if (data->size() > server->maxMessageSize) {
    link->Deliver(Failure(
        callId, "ERR_UCX_TOO_LARGE",
        "The object of " + std::to_string(data->size()) +
            " bytes exceeds the server's maxMessageSize of " +
            std::to_string(server->maxMessageSize) + " bytes."));
    return;
  }

  server->objects[key] = std::move(data);
  link->Deliver(Done(callId));
}

void Engine::SetRaw(EnvLinkPtr link, uint64_t callId, uint64_t serverId,
                    const std::string& key, BlobPtr data) {
  if (Server* server = FindServer(serverId)) {
    server->raws[key] = std::move(data);
  }
  link->Deliver(Done(callId));
}

void Engine::OnConnRequest(ucp_conn_request_h request, void* arg) {
  auto* server = static_cast<Server*>(arg);
  Engine* engine = server->engine;

  ucp_ep_params_t params{};
  params.field_mask = UCP_EP_PARAM_FIELD_CONN_REQUEST |
                      UCP_EP_PARAM_FIELD_ERR_HANDLER |
                      UCP_EP_PARAM_FIELD_ERR_HANDLING_MODE;
  params.conn_request = request;
  params.err_mode = UCP_ERR_HANDLING_MODE_PEER;
  params.err_handler.cb = &Engine::OnEpError;
  params.err_handler.arg = engine;

  ucp_ep_h ep = nullptr;
  if (ucp_ep_create(engine->worker_, &params, &ep) != UCS_OK) return;

  auto conn = std::make_unique<Conn>();
  conn->ep = ep;
  conn->serial = NextId();
  conn->serverSide = true;
  conn->serverId = server->id;
  engine->conns_[ep] = std::move(conn);
  server->eps.insert(ep);
}

ucs_status_t Engine::OnRequestAm(void* arg, const void* header,
                                 size_t headerLength, void* data,
                                 size_t length,
                                 const ucp_am_recv_param_t* param) {
  auto* engine = static_cast<Engine*>(arg);
  const bool rndv = (param->recv_attr & UCP_AM_RECV_ATTR_FLAG_RNDV) != 0;
  const bool hasEp = (param->recv_attr & UCP_AM_RECV_ATTR_FIELD_REPLY_EP) != 0;
  ucp_ep_h ep = hasEp ? param->reply_ep : nullptr;
  if (ep == nullptr || engine->conns_.count(ep) == 0) return UCS_OK;

  Header h{};
  std::string key;
  std::string why;
  if (!ParseHeader(header, headerLength, &h, &key, &why)) {
    // Answer the request if it named itself; the server carries on.
    if (h.msgId != 0 && h.chunkIndex == 0) {
      engine->SendError(ep, h, Status::kError, "Malformed request: " + why +
                                                   ".");
    }
    return UCS_OK;
  }

  engine->HandleRequest(ep, h, key, data, length, rndv);
  return UCS_OK;
}

void Engine::HandleRequest(ucp_ep_h ep, const Header& h,
                           const std::string& key, void* data, size_t length,
                           bool rndv) {
  auto conn = conns_.find(ep);
  if (conn == conns_.end() || !conn->second->serverSide) return;
  Server* server = FindServer(conn->second->serverId);
  if (server == nullptr) return;

  const Op op = static_cast<Op>(h.op);
  if (NeedsKey(op) && key.empty()) {
    if (h.chunkIndex == 0) {
      SendError(ep, h, Status::kError, "Malformed request: no object id.");
    }
    return;
  }
  if (op == Op::kPut) {
    HandlePut(server, ep, h, key, data, length, rndv);
    return;
  }
  if (h.totalSize != 0) {
    SendError(ep, h, Status::kError,
              "Malformed request: only a put carries data.");
    return;
  }

  const uint64_t chunkSize = h.replyChunkSize >= kMinChunkSize
                                 ? h.replyChunkSize
                                 : server->chunkSize;
  auto found = server->objects.find(key);
  const bool exists = found != server->objects.end();
  switch (op) {
    case Op::kPing:
    case Op::kEvict:
      if (op == Op::kEvict && exists) server->objects.erase(found);
      SendReply(ep, h, Status::kOk, nullptr, chunkSize);
      return;
    case Op::kExists:
      SendReply(ep, h, exists ? Status::kOk : Status::kMissing, nullptr,
                chunkSize);
      return;
    case Op::kGet:
      SendReply(ep, h, exists ? Status::kOk : Status::kMissing,
                exists ? found->second : nullptr, chunkSize);
      return;
    case Op::kRaw: {
      auto it = server->raws.find(key);
      BlobPtr raw = it == server->raws.end() ? nullptr : it->second;
      const uint64_t whole = raw ? std::max<uint64_t>(raw->size(), 1) : 1;
      SendReply(ep, h, raw ? Status::kOk : Status::kMissing, raw, whole);
      return;
    }
    case Op::kPut:
      return;
  }
}

void Engine::HandlePut(Server* server, ucp_ep_h ep, const Header& h,
                       const std::string& key, void* data, size_t length,
                       bool rndv) {
  // Oversized: refuse once (on chunk 0) and drop every chunk, statelessly.
  if (h.totalSize > server->maxMessageSize) {
    if (h.chunkIndex == 0) {
      SendError(ep, h, Status::kTooLarge,
                "The object of " + std::to_string(h.totalSize) +
                    " bytes exceeds the server's maxMessageSize of " +
                    std::to_string(server->maxMessageSize) + " bytes.");
    }
    return;
  }

  const auto id = std::make_pair(ep, h.msgId);
  InboundPtr in;
  auto it = puts_.find(id);
  if (it != puts_.end()) {
    in = it->second;
  } else {
    in = std::make_shared<Inbound>();
    in->first = h;
    in->key = key;
    in->seen.assign(h.chunkCount, false);
    try {
      in->blob = std::make_shared<Blob>(h.totalSize);
    } catch (const std::bad_alloc&) {
      if (h.chunkIndex == 0) {
        SendError(ep, h, Status::kError, "The server is out of memory.");
      }
      return;
    }

    const uint64_t serverId = server->id;
    in->onDone = [this, ep, serverId, id](Inbound& done,
                                          const std::string& failure,
                                          Status status) {
      if (!failure.empty()) {
        // Keep the entry so later chunks of this message are dropped.
        done.blob.reset();
        if (conns_.count(ep) != 0) SendError(ep, done.first, status, failure);
        return;
      }

      puts_.erase(id);
      Server* target = FindServer(serverId);
      if (target == nullptr) return;
      target->objects[done.key] = std::move(done.blob);
      if (conns_.count(ep) != 0) {
        SendReply(ep, done.first, Status::kOk, nullptr, kMinChunkSize);
      }
    };
    puts_[id] = in;
  }

  if (!in->finished && key != in->key) {
    FinishInbound(*in, "a chunk names another object id", Status::kError);
    return;
  }
  AcceptChunk(in, h, data, length, rndv);
}

}  // namespace psucx
