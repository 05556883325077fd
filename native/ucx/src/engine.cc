#include "engine.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>

namespace psucx {

namespace {

std::mutex gMu;
Engine* gEngine = nullptr;
int gRefs = 0;
bool gAtExitSet = false;
std::atomic<uint64_t> gNextId{1};

constexpr int kIdleWaitMs = 100;
constexpr auto kShutdownGrace = std::chrono::seconds(2);

std::runtime_error UcxFailure(const char* what, ucs_status_t status) {
  return std::runtime_error(std::string(what) + " failed: " +
                            ucs_status_string(status));
}

void StopAtExit() {
  // process.exit() skips env teardown: stop the progress thread before
  // UCX's own library destructors run.
  {
    std::lock_guard<std::mutex> lock(gMu);
    if (gEngine == nullptr) return;
    gRefs = 1;
  }
  Engine::Release();
}

}  // namespace

Engine* Engine::Acquire() {
  std::lock_guard<std::mutex> lock(gMu);
  if (gEngine == nullptr) {
    auto* engine = new Engine();
    try {
      engine->Init();
    } catch (...) {
      engine->Destroy();
      delete engine;
      throw;
    }
    gEngine = engine;
    if (!gAtExitSet) gAtExitSet = std::atexit(StopAtExit) == 0;
  }
  gRefs += 1;
  return gEngine;
}

void Engine::Release() {
  Engine* engine = nullptr;
  {
    std::lock_guard<std::mutex> lock(gMu);
    if (gEngine == nullptr || --gRefs > 0) return;
    engine = gEngine;
    gEngine = nullptr;
  }

  engine->stopping_ = true;
  engine->Post([] {});
  if (engine->thread_.joinable()) engine->thread_.join();
  engine->Destroy();
  delete engine;
}

uint64_t Engine::NextId() { return gNextId.fetch_add(1); }

void Engine::Init() {
  ucp_config_t* config = nullptr;
  ucs_status_t status = ucp_config_read(nullptr, nullptr, &config);
  if (status != UCS_OK) throw UcxFailure("ucp_config_read", status);

  ucp_params_t params{};
  params.field_mask = UCP_PARAM_FIELD_FEATURES | UCP_PARAM_FIELD_NAME;
  params.features = UCP_FEATURE_AM | UCP_FEATURE_WAKEUP;
  params.name = "proxystore";
  status = ucp_init(&params, config, &context_);
  ucp_config_release(config);
  if (status != UCS_OK) throw UcxFailure("ucp_init", status);

  ucp_worker_params_t workerParams{};
  workerParams.field_mask = UCP_WORKER_PARAM_FIELD_THREAD_MODE;
  workerParams.thread_mode = UCS_THREAD_MODE_SINGLE;
  status = ucp_worker_create(context_, &workerParams, &worker_);
  if (status != UCS_OK) throw UcxFailure("ucp_worker_create", status);

  status = ucp_worker_get_efd(worker_, &workerFd_);
  if (status != UCS_OK) throw UcxFailure("ucp_worker_get_efd", status);

  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd_ < 0) throw std::runtime_error("eventfd() failed.");

  const std::pair<unsigned, ucp_am_recv_callback_t> handlers[] = {
      {kAmRequest, &Engine::OnRequestAm},
      {kAmReply, &Engine::OnReplyAm},
  };
  for (const auto& [id, cb] : handlers) {
    ucp_am_handler_param_t handler{};
    handler.field_mask =
        UCP_AM_HANDLER_PARAM_FIELD_ID | UCP_AM_HANDLER_PARAM_FIELD_FLAGS |
        UCP_AM_HANDLER_PARAM_FIELD_CB | UCP_AM_HANDLER_PARAM_FIELD_ARG;
    handler.id = id;
    handler.flags = UCP_AM_FLAG_WHOLE_MSG;
    handler.cb = cb;
    handler.arg = this;
    status = ucp_worker_set_am_recv_handler(worker_, &handler);
    if (status != UCS_OK) {
      throw UcxFailure("ucp_worker_set_am_recv_handler", status);
    }
  }

  thread_ = std::thread(&Engine::Run, this);
}

void Engine::Destroy() {
  if (worker_ != nullptr) ucp_worker_destroy(worker_);
  if (context_ != nullptr) ucp_cleanup(context_);
  if (wakeFd_ >= 0) close(wakeFd_);
  worker_ = nullptr;
  context_ = nullptr;
  wakeFd_ = -1;
}

void Engine::Post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(task));
  }

  const uint64_t one = 1;
  ssize_t written = write(wakeFd_, &one, sizeof(one));
  (void)written;  // a full counter still wakes the poll
}

bool Engine::RunTasks() {
  std::deque<std::function<void()>> tasks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks.swap(tasks_);
  }

  for (auto& task : tasks) task();
  return !tasks.empty();
}

void Engine::Run() {
  while (true) {
    const bool ranTasks = RunTasks();
    if (stopping_) break;

    while (ucp_worker_progress(worker_) != 0) {
    }

    for (ucp_ep_h ep : failed_) CloseEp(ep);
    failed_.clear();
    ReapClosing(false);

    if (!ranTasks) Wait();
  }
  Shutdown();
}

void Engine::Wait() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!tasks_.empty()) return;
  }

  // Arm the worker's event fd; UCS_ERR_BUSY means events are pending.
  if (ucp_worker_arm(worker_) == UCS_ERR_BUSY) return;

  pollfd fds[2] = {{workerFd_, POLLIN, 0}, {wakeFd_, POLLIN, 0}};
  poll(fds, 2, kIdleWaitMs);

  if (fds[1].revents & POLLIN) {
    uint64_t count = 0;
    ssize_t got = read(wakeFd_, &count, sizeof(count));
    (void)got;
  }
}

void Engine::CloseEp(ucp_ep_h ep) {
  auto it = conns_.find(ep);
  if (it == conns_.end()) return;

  Conn* conn = it->second.get();
  if (!conn->serverSide) {
    auto client = clients_.find(conn->peer);
    if (client != clients_.end() && client->second == conn) {
      clients_.erase(client);
    }
  } else if (Server* server = FindServer(conn->serverId)) {
    server->eps.erase(ep);
  }
  for (auto put = puts_.begin(); put != puts_.end();) {
    put = put->first.first == ep ? puts_.erase(put) : std::next(put);
  }
  conns_.erase(it);

  ucp_request_param_t param{};
  param.op_attr_mask = UCP_OP_ATTR_FIELD_FLAGS;
  param.flags = UCP_EP_CLOSE_FLAG_FORCE;
  void* request = ucp_ep_close_nbx(ep, &param);
  if (UCS_PTR_IS_PTR(request)) closing_.push_back(request);
}

void Engine::ReapClosing(bool all) {
  for (auto it = closing_.begin(); it != closing_.end();) {
    if (all || ucp_request_check_status(*it) != UCS_INPROGRESS) {
      ucp_request_free(*it);
      it = closing_.erase(it);
    } else {
      ++it;
    }
  }
}

void Engine::Shutdown() {
  pending_.clear();
  puts_.clear();

  for (auto& [id, server] : servers_) {
    if (server->listener != nullptr) ucp_listener_destroy(server->listener);
    server->listener = nullptr;
  }

  std::vector<ucp_ep_h> eps;
  for (auto& [ep, conn] : conns_) eps.push_back(ep);
  for (ucp_ep_h ep : eps) CloseEp(ep);
  servers_.clear();

  const auto deadline = std::chrono::steady_clock::now() + kShutdownGrace;
  while (!closing_.empty() && std::chrono::steady_clock::now() < deadline) {
    ucp_worker_progress(worker_);
    ReapClosing(false);
  }
  ReapClosing(true);
}

void Engine::OnEpError(void* arg, ucp_ep_h ep, ucs_status_t status) {
  auto* engine = static_cast<Engine*>(arg);
  auto it = engine->conns_.find(ep);
  if (it == engine->conns_.end()) return;

  Conn* conn = it->second.get();
  if (!conn->serverSide) engine->FailConn(conn, status);
  engine->failed_.push_back(ep);
}

}  // namespace psucx
