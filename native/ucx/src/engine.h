// The process-wide UCX engine: one UCP context and worker, driven by one
// progress thread. JS threads never touch UCX: they post tasks, and results
// come back to them through EnvLink. Every UCX call below runs on the
// progress thread, so the worker uses UCS_THREAD_MODE_SINGLE.
#pragma once

#include <ucp/api/ucp.h>

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "blob.h"
#include "completion.h"
#include "wire.h"

namespace psucx {

// One UCX endpoint: accepted by a server, or opened by a client to a peer.
struct Conn {
  ucp_ep_h ep = nullptr;
  uint64_t serial = 0;  // tells a reused ucp_ep_h value from the old one
  bool serverSide = false;
  uint64_t serverId = 0;                  // server side: the owning server
  std::string peer;                       // client side: "host:port"
  std::unordered_set<uint64_t> requests;  // client side: awaiting replies
};

// A listener and the objects put to it.
struct Server {
  class Engine* engine = nullptr;
  uint64_t id = 0;
  ucp_listener_h listener = nullptr;
  uint64_t maxMessageSize = 0;
  uint64_t chunkSize = 0;
  std::unordered_map<std::string, BlobPtr> objects;
  std::unordered_map<std::string, BlobPtr> raws;  // benchmark baselines
  std::unordered_set<ucp_ep_h> eps;
};

// Reassembly of one chunked payload (a put on a server, a reply on a client).
struct Inbound {
  Header first{};
  std::string key;
  BlobPtr blob;
  std::vector<bool> seen;
  uint64_t chunksDone = 0;
  bool finished = false;
  // Called once: with an empty string on success, else the failure.
  std::function<void(Inbound&, const std::string&, Status)> onDone;
};

using InboundPtr = std::shared_ptr<Inbound>;

struct OutMessage;  // transfer.cc
struct SendChunk;   // transfer.cc

// A client request waiting for its reply.
struct Pending {
  uint64_t id = 0;
  EnvLinkPtr link;
  uint8_t op = 0;
  ucp_ep_h ep = nullptr;  // replies must arrive on this endpoint
  std::string peer;
  uint64_t maxReplySize = 0;
  InboundPtr reply;
};

struct RequestSpec {
  std::string host;
  uint16_t port = 0;
  Op op = Op::kPing;
  std::string key;
  BlobPtr data;  // put only
  uint64_t maxReplySize = 0;
  uint64_t chunkSize = 0;
  // Tests only: sent verbatim as the AM header (its msgId is overwritten).
  std::string rawHeader;
};

class Engine {
 public:
  // Returns the running engine, starting it on first use (throws
  // std::runtime_error naming the UCX status). Each Acquire needs a Release.
  static Engine* Acquire();
  static void Release();

  // Ids for calls and messages, unique in the process.
  static uint64_t NextId();

  // Payload bytes received so far (puts and replies), for diagnostics.
  uint64_t ReceivedBytes() const { return received_.load(); }

  // Runs `task` on the progress thread. Callable from any thread.
  void Post(std::function<void()> task);

  // Commands: run on the progress thread (post them).
  void StartServer(EnvLinkPtr link, uint64_t callId, const std::string& host,
                   uint16_t port, uint64_t maxMessageSize, uint64_t chunkSize);
  void StopServer(EnvLinkPtr link, uint64_t callId, uint64_t serverId);
  void LocalPut(EnvLinkPtr link, uint64_t callId, uint64_t serverId,
                const std::string& key, BlobPtr data);
  void SetRaw(EnvLinkPtr link, uint64_t callId, uint64_t serverId,
              const std::string& key, BlobPtr data);
  void Request(EnvLinkPtr link, uint64_t callId, RequestSpec spec);
  void Cancel(uint64_t callId);

  // UCX callbacks (progress thread).
  static ucs_status_t OnRequestAm(void* arg, const void* header,
                                  size_t headerLength, void* data,
                                  size_t length,
                                  const ucp_am_recv_param_t* param);
  static ucs_status_t OnReplyAm(void* arg, const void* header,
                                size_t headerLength, void* data, size_t length,
                                const ucp_am_recv_param_t* param);
  static void OnConnRequest(ucp_conn_request_h request, void* arg);
  static void OnEpError(void* arg, ucp_ep_h ep, ucs_status_t status);

 private:
  Engine() = default;
  ~Engine() = default;

  void Init();
  void Run();
  void Shutdown();
  void Destroy();
  bool RunTasks();
  void Wait();
  void CloseEp(ucp_ep_h ep);
  void ReapClosing(bool all);

  // server.cc
  void HandleRequest(ucp_ep_h ep, const Header& h, const std::string& key,
                     void* data, size_t length, bool rndv);
  void HandlePut(Server* server, ucp_ep_h ep, const Header& h,
                 const std::string& key, void* data, size_t length,
                 bool rndv);
  void DropServer(Server* server);
  Server* FindServer(uint64_t id);

  // client.cc
  Conn* Connect(const std::string& host, uint16_t port, std::string* error,
                std::string* ucsStatus);
  void HandleReply(ucp_ep_h from, const Header& h, void* data, size_t length,
                   bool rndv);
  void Finish(uint64_t id, std::unique_ptr<Completion> completion);
  void FailRequest(uint64_t id, const std::string& code,
                   const std::string& message, const std::string& ucsStatus);
  void FailConn(Conn* conn, ucs_status_t status);

  // transfer.cc
  void Send(ucp_ep_h ep, unsigned amId, Header h, const std::string& key,
            BlobPtr payload, bool reply,
            std::function<void(ucs_status_t)> done);
  void SendReply(ucp_ep_h ep, const Header& request, Status status,
                 BlobPtr payload, uint64_t chunkSize);
  void SendError(ucp_ep_h ep, const Header& request, Status status,
                 const std::string& message);
  void AcceptChunk(const InboundPtr& in, const Header& h, void* data,
                   size_t length, bool rndv);
  void ChunkLanded(const InboundPtr& in, ucs_status_t status, size_t length);
  void SendRaw(ucp_ep_h ep, const std::string& header, BlobPtr payload,
               std::function<void(ucs_status_t)> done);
  void Pump(const std::shared_ptr<OutMessage>& message);

 public:
  void ChunkSent(SendChunk* chunk, ucs_status_t status);

 private:
  static void FinishInbound(Inbound& in, const std::string& failure,
                            Status status);

  ucp_context_h context_ = nullptr;
  ucp_worker_h worker_ = nullptr;
  int workerFd_ = -1;
  int wakeFd_ = -1;
  std::thread thread_;

  std::mutex mu_;
  std::deque<std::function<void()>> tasks_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> received_{0};

  std::unordered_map<uint64_t, std::unique_ptr<Server>> servers_;
  std::unordered_map<ucp_ep_h, std::unique_ptr<Conn>> conns_;
  std::unordered_map<std::string, Conn*> clients_;
  std::unordered_map<uint64_t, std::unique_ptr<Pending>> pending_;
  std::map<std::pair<ucp_ep_h, uint64_t>, InboundPtr> puts_;
  std::vector<ucp_ep_h> failed_;
  std::vector<void*> closing_;
};

}  // namespace psucx
