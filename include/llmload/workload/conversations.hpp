#pragma once
/// Multi-turn conversations from any dataset (llmload extension): consecutive requests become
/// the turns of one conversation. Each later turn is sent its think time after the previous
/// answer, with the earlier prompts and the server's actual answers as chat history (see
/// RequestSpec::previous_turn and runtime::Runner).

#include "llmload/core/clock.hpp"
#include "llmload/core/error.hpp"
#include "llmload/workload/request_spec.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace llmload::workload {

/// Groups `specs` into conversations of `turns` consecutive requests (the last one may be
/// shorter when the count is not a multiple), setting previous_turn, conversation, turn and
/// think_time_ns. turns must be ≥ 1; 1 leaves the specs as they are.
void link_conversations(std::span<RequestSpec> specs, std::int32_t turns, core::Nanos think_time_ns);

/// Send offsets for linked specs: each conversation's first turn gets the next of
/// `conversation_offsets` (one per conversation, in order); later turns are not scheduled
/// (they follow their previous turn) and get their first turn's offset as a placeholder.
/// Fails when there are fewer offsets than conversations.
core::Result<std::vector<core::Nanos>> conversation_offsets(std::span<const RequestSpec> specs,
                                                            std::span<const core::Nanos> conversation_offsets);

/// Number of conversations (first turns) in `specs`.
std::size_t conversation_count(std::span<const RequestSpec> specs);

}  // namespace llmload::workload
