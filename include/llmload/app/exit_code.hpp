#pragma once
/// Process exit codes shared by the commands.

namespace llmload::app {

/// What `llmload` returns: a pipeline can tell a failed SLO from a broken run.
enum ExitCode : int {
  kExitOk = 0,          ///< done; every SLO met
  kExitSloFailed = 1,   ///< an SLO failed (llmload run)
  kExitUsage = 2,       ///< a usage or configuration error; nothing was sent
  kExitCannotRun = 3,   ///< the run could not take place or was interrupted
};

}  // namespace llmload::app
