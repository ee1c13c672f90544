#pragma once
/// Parquet's nested records from flat columns (the Dremel record assembly), pure: the schema
/// tree with each field's definition and repetition levels, and the rows rebuilt from every
/// leaf column's levels and values as pyarrow's to_pylist() gives them: a struct is an object
/// of its fields in schema order, a LIST an array, a MAP an array of [key, value] pairs, a
/// repeated field outside a LIST an array, a missing optional field null. Columns whose levels
/// disagree with each other or with the schema are an error, never a misread.

#include "llmload/core/error.hpp"
#include "llmload/workload/parquet_metadata.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace llmload::workload::parquet {

/// One field of the schema tree.
struct SchemaNode {
  std::string name;
  Repetition repetition = Repetition::kRequired;
  Annotation annotation = Annotation::kNone;
  std::optional<PhysicalType> type;  ///< leaves only
  std::int32_t type_length = 0;
  std::vector<std::uint32_t> children;
  std::uint8_t def = 0;  ///< definition level at which this field is present
  std::uint8_t rep = 0;  ///< repeated fields on its path, itself included
  std::uint32_t leaf_begin = 0, leaf_end = 0;  ///< its leaf columns
};

/// The tree (node 0 is the root) and its leaf columns in file order.
struct Schema {
  std::vector<SchemaNode> nodes;
  std::vector<std::uint32_t> leaves;        ///< node index of each leaf column
  std::vector<std::string> leaf_paths;      ///< "conversations.list.element.from", for messages
  std::vector<std::vector<std::string>> leaf_parts;  ///< the same as path_in_schema
};

/// The tree of a depth-first list of schema elements, nested at most `max_depth` deep.
core::Result<Schema> build_schema(const std::vector<SchemaElement>& elements, std::uint32_t max_depth = 32);

/// One leaf column: a repetition and a definition level per entry, a value per entry whose
/// definition level is the leaf's.
struct ColumnData {
  std::vector<std::uint8_t> rep, def;
  std::vector<boost::json::value> values;
};

/// Called with each row (its 0-based index after the rows before).
using RowFn = std::function<core::Result<void>(boost::json::object&& row, std::uint64_t index)>;

/// Rebuilds `rows` rows from `columns` (one per leaf; their values are moved out) and hands
/// each to `on_row`.
core::Result<void> assemble_rows(const Schema& schema, std::vector<ColumnData>& columns, std::uint64_t rows,
                                 const RowFn& on_row);

}  // namespace llmload::workload::parquet
