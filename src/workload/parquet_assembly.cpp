// Parquet's record assembly (workload/parquet_assembly.hpp).

#include "llmload/workload/parquet_assembly.hpp"

#include <boost/json/array.hpp>
#include <fmt/format.h>

namespace llmload::workload::parquet {
namespace {

namespace json = boost::json;

// ---- the schema tree ------------------------------------------------------------------------

struct SchemaBuilder {
  const std::vector<SchemaElement>& elements;
  std::uint32_t max_depth;
  Schema schema;
  std::size_t next = 0;

  core::Result<std::uint32_t> add(std::uint32_t depth, const SchemaNode* parent, const std::vector<std::string>& parts);
};

core::Result<std::uint32_t> SchemaBuilder::add(std::uint32_t depth, const SchemaNode* parent,
                                               const std::vector<std::string>& parent_parts) {
  if (next >= elements.size()) return core::fail("the schema ends inside a group");
  if (depth > max_depth) return core::fail("the schema nests deeper than {} levels", max_depth);
  const SchemaElement& e = elements[next++];
  SchemaNode node;
  node.name = e.name;
  node.annotation = e.annotation;
  std::vector<std::string> parts = parent_parts;
  if (parent != nullptr) {
    if (!e.repetition) return core::fail("the schema's field '{}' has no repetition type", e.name);
    node.repetition = *e.repetition;
    node.def = static_cast<std::uint8_t>(parent->def + (node.repetition != Repetition::kRequired ? 1 : 0));
    node.rep = static_cast<std::uint8_t>(parent->rep + (node.repetition == Repetition::kRepeated ? 1 : 0));
    parts.push_back(e.name);
  }
  const auto index = static_cast<std::uint32_t>(schema.nodes.size());
  const auto first_leaf = static_cast<std::uint32_t>(schema.leaves.size());
  schema.nodes.push_back(node);
  if (e.num_children == 0 && parent != nullptr) {
    if (!e.type) return core::fail("the schema's field '{}' is neither a group with fields nor a typed column", e.name);
    schema.nodes[index].type = e.type;
    schema.nodes[index].type_length = e.type_length;
    schema.leaves.push_back(index);
    schema.leaf_parts.push_back(parts);
    std::string path;
    for (const auto& p : parts) path += (path.empty() ? "" : ".") + p;
    schema.leaf_paths.push_back(std::move(path));
  } else {
    if (static_cast<std::size_t>(e.num_children) > elements.size() - next) {
      return core::fail("the schema's group '{}' claims {} fields, {} elements are left", e.name, e.num_children,
                        elements.size() - next);
    }
    for (std::int32_t i = 0; i < e.num_children; ++i) {
      auto child = add(depth + 1, &schema.nodes[index], parts);
      if (!child) return child.error();
      schema.nodes[index].children.push_back(*child);
    }
  }
  schema.nodes[index].leaf_begin = first_leaf;
  schema.nodes[index].leaf_end = static_cast<std::uint32_t>(schema.leaves.size());
  if (first_leaf == schema.leaves.size()) return core::fail("the schema's group '{}' has no fields", e.name);
  return index;
}

// ---- the rows -------------------------------------------------------------------------------

class Assembler {
 public:
  Assembler(const Schema& schema, std::vector<ColumnData>& columns)
      : schema_(schema), columns_(columns), pos_(columns.size(), 0), value_pos_(columns.size(), 0) {}

  core::Result<json::object> row();
  core::Result<void> check_all_read() const;

 private:
  core::Result<json::value> field(std::uint32_t n);
  core::Result<json::value> present(std::uint32_t n);
  core::Result<json::value> group(std::uint32_t n);
  core::Result<json::value> list(std::uint32_t n);
  core::Result<json::value> map(std::uint32_t n);
  template <class Element>
  core::Result<json::value> repeated(std::uint32_t n, Element&& element);
  core::Result<void> skip(std::uint32_t n);
  core::Result<std::uint8_t> def_at(std::uint32_t leaf) const;
  core::Error misread(std::uint32_t leaf, std::string_view what) const;

  const Schema& schema_;
  std::vector<ColumnData>& columns_;
  std::vector<std::size_t> pos_, value_pos_;
};

core::Error Assembler::misread(std::uint32_t leaf, std::string_view what) const {
  return core::fail("column '{}', entry {}: {}", schema_.leaf_paths[leaf], pos_[leaf], what);
}

core::Result<std::uint8_t> Assembler::def_at(std::uint32_t leaf) const {
  if (pos_[leaf] >= columns_[leaf].def.size()) return misread(leaf, "the column ends before the other columns");
  return columns_[leaf].def[pos_[leaf]];
}

core::Result<json::object> Assembler::row() {
  for (std::uint32_t leaf = 0; leaf < columns_.size(); ++leaf) {
    if (pos_[leaf] >= columns_[leaf].rep.size()) return misread(leaf, "the column has fewer rows than the file");
    if (columns_[leaf].rep[pos_[leaf]] != 0) return misread(leaf, "a row starts with a repetition level above 0");
  }
  json::object out;
  for (const auto child : schema_.nodes[0].children) {
    auto v = field(child);
    if (!v) return v.error();
    out[schema_.nodes[child].name] = std::move(*v);
  }
  return out;
}

core::Result<json::value> Assembler::field(std::uint32_t n) {
  const SchemaNode& node = schema_.nodes[n];
  if (node.repetition == Repetition::kRepeated) return repeated(n, [&] { return present(n); });
  if (node.repetition == Repetition::kOptional) {
    auto d = def_at(node.leaf_begin);
    if (!d) return d.error();
    if (*d < node.def) {
      if (auto s = skip(n); !s) return s.error();
      return json::value(nullptr);
    }
  }
  return present(n);
}

core::Result<json::value> Assembler::present(std::uint32_t n) {
  const SchemaNode& node = schema_.nodes[n];
  if (node.type) {
    const std::uint32_t leaf = node.leaf_begin;
    auto d = def_at(leaf);
    if (!d) return d.error();
    if (*d != node.def) return misread(leaf, "a definition level below a present field's");
    auto& values = columns_[leaf].values;
    if (value_pos_[leaf] >= values.size()) return misread(leaf, "more present entries than values");
    ++pos_[leaf];
    return std::move(values[value_pos_[leaf]++]);
  }
  if (node.annotation == Annotation::kList) return list(n);
  if (node.annotation == Annotation::kMap) return map(n);
  return group(n);
}

core::Result<json::value> Assembler::group(std::uint32_t n) {
  json::object out;
  for (const auto child : schema_.nodes[n].children) {
    auto v = field(child);
    if (!v) return v.error();
    out[schema_.nodes[child].name] = std::move(*v);
  }
  return json::value(std::move(out));
}

/// A LIST group: its one repeated field holds the elements, which are that field's only child
/// (the standard layout), or the repeated field itself when it is a column, has several fields
/// or is named "array" or "<list>_tuple" (Parquet's backward-compatibility rules).
core::Result<json::value> Assembler::list(std::uint32_t n) {
  const SchemaNode& node = schema_.nodes[n];
  if (node.children.size() != 1 || schema_.nodes[node.children[0]].repetition != Repetition::kRepeated) {
    return core::fail("the LIST field '{}' does not hold one repeated field", node.name);
  }
  const std::uint32_t r = node.children[0];
  const SchemaNode& repeated_node = schema_.nodes[r];
  const bool element_is_child = !repeated_node.type && repeated_node.children.size() == 1 &&
                                repeated_node.name != "array" && repeated_node.name != node.name + "_tuple";
  if (element_is_child) return repeated(r, [&] { return field(repeated_node.children[0]); });
  return repeated(r, [&] { return present(r); });
}

/// A MAP group: an array of [key, value] pairs (pyarrow's list of tuples).
core::Result<json::value> Assembler::map(std::uint32_t n) {
  const SchemaNode& node = schema_.nodes[n];
  if (node.children.size() != 1 || schema_.nodes[node.children[0]].repetition != Repetition::kRepeated ||
      schema_.nodes[node.children[0]].children.empty()) {
    return core::fail("the MAP field '{}' does not hold one repeated group of keys and values", node.name);
  }
  const std::uint32_t r = node.children[0];
  return repeated(r, [&]() -> core::Result<json::value> {
    json::array pair;
    for (const auto child : schema_.nodes[r].children) {
      auto v = field(child);
      if (!v) return v.error();
      pair.push_back(std::move(*v));
    }
    return json::value(std::move(pair));
  });
}

template <class Element>
core::Result<json::value> Assembler::repeated(std::uint32_t n, Element&& element) {
  const SchemaNode& node = schema_.nodes[n];
  const std::uint32_t leaf = node.leaf_begin;
  auto d = def_at(leaf);
  if (!d) return d.error();
  json::array out;
  if (*d < node.def) {
    if (auto s = skip(n); !s) return s.error();
    return json::value(std::move(out));
  }
  while (true) {
    auto v = element();
    if (!v) return v.error();
    out.push_back(std::move(*v));
    const auto& column = columns_[leaf];
    if (pos_[leaf] >= column.rep.size()) break;
    const std::uint8_t r = column.rep[pos_[leaf]];
    if (r < node.rep) break;
    if (r > node.rep) return misread(leaf, "a repetition level deeper than the field's after its element");
    if (column.def[pos_[leaf]] < node.def) return misread(leaf, "a repeated element continues a list that is empty");
  }
  return json::value(std::move(out));
}

/// Steps over an absent field: one entry in each of its columns, none defined.
core::Result<void> Assembler::skip(std::uint32_t n) {
  const SchemaNode& node = schema_.nodes[n];
  for (std::uint32_t leaf = node.leaf_begin; leaf < node.leaf_end; ++leaf) {
    auto d = def_at(leaf);
    if (!d) return d.error();
    if (*d >= node.def) return misread(leaf, "the column defines a field its sibling columns leave out");
    ++pos_[leaf];
  }
  return {};
}

core::Result<void> Assembler::check_all_read() const {
  for (std::uint32_t leaf = 0; leaf < columns_.size(); ++leaf) {
    if (pos_[leaf] != columns_[leaf].def.size()) return misread(leaf, "the column has more entries than the rows");
    if (value_pos_[leaf] != columns_[leaf].values.size()) return misread(leaf, "the column has more values than entries");
  }
  return {};
}

}  // namespace

core::Result<Schema> build_schema(const std::vector<SchemaElement>& elements, std::uint32_t max_depth) {
  if (elements.empty()) return core::fail("the schema is empty");
  SchemaBuilder builder{elements, std::min<std::uint32_t>(max_depth, 100), {}, 0};
  auto root = builder.add(0, nullptr, {});
  if (!root) return core::fail("the schema: {}", root.error().message);
  if (builder.next != elements.size()) {
    return core::fail("the schema: {} elements after the root's fields", elements.size() - builder.next);
  }
  return std::move(builder.schema);
}

core::Result<void> assemble_rows(const Schema& schema, std::vector<ColumnData>& columns, std::uint64_t rows,
                                 const RowFn& on_row) {
  if (columns.size() != schema.leaves.size()) {
    return core::fail("{} columns for a schema of {}", columns.size(), schema.leaves.size());
  }
  for (std::uint32_t leaf = 0; leaf < columns.size(); ++leaf) {
    if (columns[leaf].rep.size() != columns[leaf].def.size()) {
      return core::fail("column '{}': {} repetition and {} definition levels", schema.leaf_paths[leaf],
                        columns[leaf].rep.size(), columns[leaf].def.size());
    }
  }
  Assembler assembler(schema, columns);
  for (std::uint64_t i = 0; i < rows; ++i) {
    auto row = assembler.row();
    if (!row) return core::fail("row {}: {}", i + 1, row.error().message);
    if (auto r = on_row(std::move(*row), i); !r) return r;
  }
  return assembler.check_all_read();
}

}  // namespace llmload::workload::parquet
