// The N-API surface of the UCX addon. Every function takes a node-style
// callback `(err, value)` that runs later on the calling JS thread; none of
// them blocks on the network. See src/dim/ucx-binding.ts for the JS types.
#include <napi.h>

#include <cstdlib>
#include <stdexcept>
#include <unordered_map>

#include "engine.h"

namespace psucx {

namespace {

// Per JS environment (main thread or worker) state.
struct EnvState {
  napi_env env = nullptr;
  Engine* engine = nullptr;
  napi_threadsafe_function tsfn = nullptr;
  napi_async_context asyncContext = nullptr;
  EnvLinkPtr link;
  std::unordered_map<uint64_t, Napi::FunctionReference> callbacks;
  bool closed = false;
};

Napi::Value ToJs(Napi::Env env, Completion& c) {
  switch (c.kind) {
    case Completion::Kind::kBool:
      return Napi::Boolean::New(env, c.flag);
    case Completion::Kind::kNull:
      return env.Null();
    case Completion::Kind::kData: {
      if (c.size == 0) return Napi::ArrayBuffer::New(env, 0);
      void* base = c.base;
      c.base = nullptr;
      return Napi::ArrayBuffer::New(
          env, c.bytes, c.size,
          [](Napi::Env, void*, void* hint) { std::free(hint); }, base);
    }
    case Completion::Kind::kServer: {
      Napi::Object out = Napi::Object::New(env);
      out.Set("serverId", Napi::Number::New(env, double(c.serverId)));
      out.Set("port", Napi::Number::New(env, c.port));
      return out;
    }
    case Completion::Kind::kUndefined:
      break;
  }
  return env.Undefined();
}

void CallJs(napi_env rawEnv, napi_value, void* context, void* data) {
  std::unique_ptr<Completion> c(static_cast<Completion*>(data));
  auto* state = static_cast<EnvState*>(context);
  if (rawEnv == nullptr || state->closed) return;

  auto it = state->callbacks.find(c->callId);
  if (it == state->callbacks.end()) return;  // cancelled
  Napi::FunctionReference callback = std::move(it->second);
  state->callbacks.erase(it);
  if (state->callbacks.empty()) {
    napi_unref_threadsafe_function(rawEnv, state->tsfn);
  }

  Napi::Env env(rawEnv);
  Napi::HandleScope scope(env);
  napi_value args[2];
  if (!c->error.empty()) {
    Napi::Error error = Napi::Error::New(env, c->error);
    error.Set("code", Napi::String::New(env, c->code));
    if (!c->ucsStatus.empty()) {
      error.Set("ucsStatus", Napi::String::New(env, c->ucsStatus));
    }
    args[0] = error.Value();
    args[1] = env.Undefined();
  } else {
    args[0] = env.Null();
    args[1] = ToJs(env, *c);
  }

  try {
    callback.MakeCallback(env.Global(), 2, args, state->asyncContext);
  } catch (const Napi::Error& error) {
    error.ThrowAsJavaScriptException();
  }
}

void CleanupEnv(void* arg) {
  auto* state = static_cast<EnvState*>(arg);
  state->closed = true;
  state->callbacks.clear();
  if (state->link) state->link->Close();
  if (state->engine != nullptr) Engine::Release();
  state->engine = nullptr;
}

EnvState* State(Napi::Env env) { return env.GetInstanceData<EnvState>(); }

// Sets up, once per env, the way back from the progress thread: a
// thread-safe function (unref'd while no call is pending) and its link.
void Plumb(Napi::Env env, EnvState* state) {
  napi_value name = Napi::String::New(env, "proxystore-ucx");
  NAPI_THROW_IF_FAILED_VOID(
      env,
      napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1,
                                      nullptr, nullptr, state, CallJs,
                                      &state->tsfn));
  NAPI_THROW_IF_FAILED_VOID(env,
                            napi_unref_threadsafe_function(env, state->tsfn));
  NAPI_THROW_IF_FAILED_VOID(
      env, napi_async_init(env, nullptr, name, &state->asyncContext));
  NAPI_THROW_IF_FAILED_VOID(
      env, napi_add_env_cleanup_hook(env, CleanupEnv, state));
  state->link = std::make_shared<EnvLink>(state->tsfn);
}

// Starts the engine for this env on first use.
Engine* Ready(Napi::Env env) {
  EnvState* state = State(env);
  if (state->engine != nullptr) return state->engine;
  if (!state->link) Plumb(env, state);

  try {
    state->engine = Engine::Acquire();
  } catch (const std::exception& e) {
    Napi::Error error = Napi::Error::New(
        env, std::string("UCX could not start: ") + e.what());
    error.Set("code", Napi::String::New(env, "ERR_UCX_INIT"));
    throw error;
  }
  return state->engine;
}

// Registers the trailing callback argument and returns its call id.
uint64_t Register(const Napi::CallbackInfo& info, size_t index) {
  if (info.Length() <= index || !info[index].IsFunction()) {
    throw Napi::TypeError::New(info.Env(), "The last argument must be a "
                                           "callback function.");
  }
  EnvState* state = State(info.Env());
  const uint64_t id = Engine::NextId();
  state->callbacks.emplace(
      id, Napi::Persistent(info[index].As<Napi::Function>()));
  if (state->callbacks.size() == 1) {
    napi_ref_threadsafe_function(info.Env(), state->tsfn);
  }
  return id;
}

std::string StringArg(const Napi::CallbackInfo& info, size_t index,
                      const char* name) {
  if (!info[index].IsString()) {
    throw Napi::TypeError::New(info.Env(),
                               std::string(name) + " must be a string.");
  }
  return info[index].As<Napi::String>().Utf8Value();
}

uint64_t NumberArg(const Napi::CallbackInfo& info, size_t index,
                   const char* name) {
  if (!info[index].IsNumber() ||
      info[index].As<Napi::Number>().DoubleValue() < 0) {
    throw Napi::TypeError::New(
        info.Env(), std::string(name) + " must be a non-negative number.");
  }
  return static_cast<uint64_t>(info[index].As<Napi::Number>().Int64Value());
}

// Copies the bytes of a typed array or ArrayBuffer into a new Blob.
BlobPtr BytesArg(const Napi::CallbackInfo& info, size_t index) {
  Napi::Value value = info[index];
  const uint8_t* bytes = nullptr;
  size_t size = 0;
  if (value.IsTypedArray()) {
    auto view = value.As<Napi::TypedArray>();
    bytes = static_cast<const uint8_t*>(view.ArrayBuffer().Data()) +
            view.ByteOffset();
    size = view.ByteLength();
  } else if (value.IsArrayBuffer()) {
    auto buffer = value.As<Napi::ArrayBuffer>();
    bytes = static_cast<const uint8_t*>(buffer.Data());
    size = buffer.ByteLength();
  } else {
    throw Napi::TypeError::New(info.Env(),
                               "data must be a Uint8Array or ArrayBuffer.");
  }

  auto blob = std::make_shared<Blob>(size);
  if (size > 0) std::memcpy(blob->data(), bytes, size);
  return blob;
}

uint16_t PortArg(const Napi::CallbackInfo& info, size_t index) {
  const uint64_t port = NumberArg(info, index, "port");
  if (port > 65535) {
    throw Napi::RangeError::New(info.Env(), "port must be at most 65535.");
  }
  return static_cast<uint16_t>(port);
}

// startServer(host, port, maxMessageSize, chunkSize, cb)
Napi::Value StartServer(const Napi::CallbackInfo& info) {
  Engine* engine = Ready(info.Env());
  std::string host = StringArg(info, 0, "host");
  uint16_t port = PortArg(info, 1);
  uint64_t maxSize = NumberArg(info, 2, "maxMessageSize");
  uint64_t chunkSize = NumberArg(info, 3, "chunkSize");
  const uint64_t id = Register(info, 4);

  EnvLinkPtr link = State(info.Env())->link;
  engine->Post([=] {
    engine->StartServer(link, id, host, port, maxSize, chunkSize);
  });
  return info.Env().Undefined();
}

// stopServer(serverId, cb)
Napi::Value StopServer(const Napi::CallbackInfo& info) {
  Engine* engine = Ready(info.Env());
  uint64_t serverId = NumberArg(info, 0, "serverId");
  const uint64_t id = Register(info, 1);

  EnvLinkPtr link = State(info.Env())->link;
  engine->Post([=] { engine->StopServer(link, id, serverId); });
  return info.Env().Undefined();
}

// put(serverId, key, data, cb): stores a copy of data in a local server.
Napi::Value Put(const Napi::CallbackInfo& info) {
  Engine* engine = Ready(info.Env());
  uint64_t serverId = NumberArg(info, 0, "serverId");
  std::string key = StringArg(info, 1, "key");
  BlobPtr data = BytesArg(info, 2);
  const uint64_t id = Register(info, 3);

  EnvLinkPtr link = State(info.Env())->link;
  engine->Post([=] { engine->LocalPut(link, id, serverId, key, data); });
  return info.Env().Undefined();
}

// setRaw(serverId, key, data, cb): the bytes a raw request for `key`
// returns, whole, in one message (the benchmarks' baseline).
Napi::Value SetRaw(const Napi::CallbackInfo& info) {
  Engine* engine = Ready(info.Env());
  uint64_t serverId = NumberArg(info, 0, "serverId");
  std::string key = StringArg(info, 1, "key");
  BlobPtr data = BytesArg(info, 2);
  const uint64_t id = Register(info, 3);

  EnvLinkPtr link = State(info.Env())->link;
  engine->Post([=] { engine->SetRaw(link, id, serverId, key, data); });
  return info.Env().Undefined();
}

// request(host, port, op, key, data|null, maxReplySize, chunkSize, cb) -> id
Napi::Value Request(const Napi::CallbackInfo& info) {
  Engine* engine = Ready(info.Env());
  RequestSpec spec;
  spec.host = StringArg(info, 0, "host");
  spec.port = PortArg(info, 1);
  const uint64_t op = NumberArg(info, 2, "op");
  if (op < uint64_t(Op::kPing) || op > uint64_t(Op::kRaw)) {
    throw Napi::RangeError::New(info.Env(), "op is not a known operation.");
  }
  spec.op = static_cast<Op>(op);
  spec.key = StringArg(info, 3, "key");
  if (spec.key.size() > kMaxKeyLength) {
    throw Napi::RangeError::New(info.Env(), "key is longer than 128 bytes.");
  }
  if (!info[4].IsNull() && !info[4].IsUndefined()) {
    spec.data = BytesArg(info, 4);
  }
  spec.maxReplySize = NumberArg(info, 5, "maxReplySize");
  spec.chunkSize = NumberArg(info, 6, "chunkSize");
  const uint64_t id = Register(info, 7);

  EnvLinkPtr link = State(info.Env())->link;
  engine->Post([=]() mutable { engine->Request(link, id, std::move(spec)); });
  return Napi::Number::New(info.Env(), double(id));
}

// requestRaw(host, port, header, data|null, cb) -> id. Tests only: sends
// `header` verbatim as a request's AM header (bytes 8-15, the message id,
// are replaced by this call's id so that an answer finds its way back).
Napi::Value RequestRaw(const Napi::CallbackInfo& info) {
  Engine* engine = Ready(info.Env());
  RequestSpec spec;
  spec.host = StringArg(info, 0, "host");
  spec.port = PortArg(info, 1);
  BlobPtr header = BytesArg(info, 2);
  if (header->size() == 0 || header->size() > sizeof(Header) + kMaxKeyLength) {
    throw Napi::RangeError::New(info.Env(), "header must be 1 to 176 bytes.");
  }
  spec.rawHeader.assign(reinterpret_cast<const char*>(header->data()),
                        header->size());
  if (!info[3].IsNull() && !info[3].IsUndefined()) {
    spec.data = BytesArg(info, 3);
  }
  spec.maxReplySize = uint64_t(1) << 30;
  const uint64_t id = Register(info, 4);

  EnvLinkPtr link = State(info.Env())->link;
  engine->Post([=]() mutable { engine->Request(link, id, std::move(spec)); });
  return Napi::Number::New(info.Env(), double(id));
}

// stats() -> { receivedBytes }: payload bytes this process received so far.
Napi::Value Stats(const Napi::CallbackInfo& info) {
  Engine* engine = Ready(info.Env());
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("receivedBytes", double(engine->ReceivedBytes()));
  return out;
}

// cancel(id): forgets a request; its callback is never called.
Napi::Value Cancel(const Napi::CallbackInfo& info) {
  EnvState* state = State(info.Env());
  const uint64_t id = NumberArg(info, 0, "id");
  if (state->engine == nullptr || state->callbacks.erase(id) == 0) {
    return info.Env().Undefined();
  }

  if (state->callbacks.empty()) {
    napi_unref_threadsafe_function(info.Env(), state->tsfn);
  }
  Engine* engine = state->engine;
  engine->Post([=] { engine->Cancel(id); });
  return info.Env().Undefined();
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), ucp_get_version_string());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* state = new EnvState();
  state->env = env;
  env.SetInstanceData<EnvState>(state);

  exports.Set("version", Napi::Function::New(env, Version));
  exports.Set("startServer", Napi::Function::New(env, StartServer));
  exports.Set("stopServer", Napi::Function::New(env, StopServer));
  exports.Set("put", Napi::Function::New(env, Put));
  exports.Set("setRaw", Napi::Function::New(env, SetRaw));
  exports.Set("request", Napi::Function::New(env, Request));
  exports.Set("cancel", Napi::Function::New(env, Cancel));
  exports.Set("requestRaw", Napi::Function::New(env, RequestRaw));
  exports.Set("stats", Napi::Function::New(env, Stats));
  return exports;
}

}  // namespace

}  // namespace psucx

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return psucx::Init(env, exports);
}

NODE_API_MODULE(proxystore_ucx, InitAddon)
