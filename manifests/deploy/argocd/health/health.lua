-- Argo CD health check for batch-gitops BatchPool and BatchJob (azurebatch.gitops.dev).
-- Argo CD sets the global `obj` to the live resource; the script returns {status, message}.
-- The rules read the kstatus conditions the controller writes (Ready, Reconciling, Stalled)
-- and stay within Lua 5.1 as Argo CD's gopher-lua runs it.

-- Ready=False with one of these reasons (TERMINAL_REASONS in controller/core/reasons.ts; the table
-- in docs/status.md) needs a change to the spec or the Batch account, so it is Degraded even while
-- the controller keeps retrying. TasksFailed is not here: while other tasks still run it comes with
-- Reconciling=True (Progressing); once nothing can succeed the controller sets Stalled=True.
local TERMINAL_REASONS = {
  InvalidSpec = true,
  PoolInvalid = true,
  PoolIdTaken = true,
  JobIdTaken = true,
  JobFinished = true,
  AdoptedPoolImmutable = true,
  OwnedByAnotherManager = true,
  TasksRejected = true,
  ResizeError = true,
  QuotaExceeded = true,
  CredentialMissing = true,
  CredentialRefused = true,
  BatchRejected = true,
  ArmResourceIdMissing = true,
}

local function condition(conditions, conditionType)
  for _, c in ipairs(conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function describe(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  if c ~= nil and c.reason ~= nil then
    return c.reason
  end
  return fallback
end

-- The status describes an older spec while observedGeneration lags metadata.generation.
local function isStale(status, generation)
  if generation == nil then
    return false
  end
  if status.observedGeneration == nil then
    return true
  end
  return status.observedGeneration < generation
end

local function assess(o)
  if o.spec ~= nil and o.spec.suspend == true then
    return "Suspended", "Reconciliation is suspended (spec.suspend)"
  end
  local status = o.status
  if status == nil or status.conditions == nil then
    return "Progressing", "Waiting for the controller to report status"
  end
  local generation = nil
  if o.metadata ~= nil then
    generation = o.metadata.generation
  end
  if isStale(status, generation) then
    return "Progressing", "Waiting for the controller to observe generation " .. tostring(generation)
  end
  local conditions = status.conditions
  local stalled = condition(conditions, "Stalled")
  if stalled ~= nil and stalled.status == "True" then
    return "Degraded", describe(stalled, "Stalled")
  end
  local ready = condition(conditions, "Ready")
  if ready ~= nil and ready.status == "False" and TERMINAL_REASONS[ready.reason] then
    return "Degraded", describe(ready, "Not ready")
  end
  local reconciling = condition(conditions, "Reconciling")
  if reconciling ~= nil and reconciling.status == "True" then
    return "Progressing", describe(reconciling, "Reconciling")
  end
  if ready ~= nil and ready.status == "True" then
    if o.metadata ~= nil and o.metadata.deletionTimestamp ~= nil then
      return "Progressing", "Deleting"
    end
    return "Healthy", describe(ready, "Ready")
  end
  return "Progressing", describe(ready, "Waiting for the Ready condition")
end

local hs = {}
hs.status, hs.message = assess(obj)
return hs
