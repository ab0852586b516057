-- wrk script of Benchmarks/pyroscope-push.sh: POSTs the bodies prepare.py wrote, cycling through
-- the profiles, each request with an id of its own so that every one is stored (a repeated id
-- would be a retry, which Correlator acknowledges without storing again).
--   BENCH_MODE     push: POST /push.v1.PusherService/Push, the sample's ID patched in;
--                  own:  POST /api/v1/profiles?service=&type=cpu&profile_id=
--   BENCH_DIR      where prepare.py wrote own-N.pb.gz and push-N.bin
--   BENCH_PROFILES N;  BENCH_SERVICE;  BENCH_RUN a number that keeps ids unique across runs
--   BENCH_PLACEHOLDER the 36-byte id in push-N.bin
-- done() prints one line: RESULT {"requests", "ok", "non_2xx", "socket_errors", "seconds", "first_error"}.

local mode = os.getenv("BENCH_MODE")
local dir = os.getenv("BENCH_DIR")
local profiles = tonumber(os.getenv("BENCH_PROFILES"))
local service = os.getenv("BENCH_SERVICE")
local run = tonumber(os.getenv("BENCH_RUN"))
local placeholder = os.getenv("BENCH_PLACEHOLDER")

local threads = {}
function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

local heads, tails, bodies = {}, {}, {}
local counter = 0
first_error = ""

local function slurp(path)
    local file = assert(io.open(path, "rb"))
    local data = file:read("*a")
    file:close()
    return data
end

function init(args)
    for n = 1, profiles do
        if mode == "push" then
            local body = slurp(dir .. "/push-" .. n .. ".bin")
            local at = assert(body:find(placeholder, 1, true), "placeholder not found")
            heads[n] = body:sub(1, at - 1)
            tails[n] = body:sub(at + #placeholder)
        else
            bodies[n] = slurp(dir .. "/own-" .. n .. ".pb.gz")
        end
    end
end

local push_headers = { ["Content-Type"] = "application/proto", ["Connect-Protocol-Version"] = "1" }
local own_headers = { ["Content-Type"] = "application/octet-stream" }

function request()
    counter = counter + 1
    local n = counter % profiles + 1
    -- A UUID-shaped id, 36 bytes like the placeholder: run, thread, request.
    local id = string.format("%08x-%04x-4000-8000-%012x", run, tid, counter)
    if mode == "push" then
        return wrk.format("POST", "/push.v1.PusherService/Push", push_headers, heads[n] .. id .. tails[n])
    end
    return wrk.format("POST", "/api/v1/profiles?service=" .. service .. "&type=cpu&profile_id=" .. id, own_headers, bodies[n])
end

function response(status, headers, body)
    if status ~= 200 and first_error == "" then
        first_error = status .. " " .. string.sub(body or "", 1, 200)
    end
end

local function json_string(text)
    return '"' .. text:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests)
    local first = ""
    for _, thread in ipairs(threads) do
        local text = thread:get("first_error")
        if first == "" and text and text ~= "" then first = text end
    end
    local errors = summary.errors
    local socket_errors = errors.connect + errors.read + errors.write + errors.timeout
    io.write(string.format('RESULT {"requests": %d, "ok": %d, "non_2xx": %d, "socket_errors": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, "first_error": %s}\n',
        summary.requests, summary.requests - errors.status, errors.status, socket_errors, summary.duration / 1e6,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, json_string(first)))
end
