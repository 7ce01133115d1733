// The API reference: fetches the OpenAPI document and lists each operation, its
// parameters, body and answers, and the schemas. Every text from the document is
// inserted with textContent, never as HTML; nothing is loaded from another host.
(function () {
  "use strict";
  var root = document.getElementById("api-reference");
  if (!root || !window.fetch) { return; }
  var label = function (name) { return root.getAttribute("data-label-" + name) || name; };

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  // The document's own words are English: kept left to right inside an Arabic page.
  function en(node) { node.setAttribute("lang", "en"); node.setAttribute("dir", "ltr"); return node; }

  function refName(ref) { return ref.split("/").pop(); }

  function typeOf(schema) {
    if (!schema) { return ""; }
    if (schema.$ref) { return refName(schema.$ref); }
    if (schema.anyOf) { return schema.anyOf.map(typeOf).join(" | "); }
    if (schema.type === "array") { return typeOf(schema.items) + "[]"; }
    if (schema.type === "object" && schema.additionalProperties) { return "{string: " + typeOf(schema.additionalProperties) + "}"; }
    if (schema.enum) { return schema.enum.map(JSON.stringify).join(" | "); }
    return schema.type || "any";
  }

  function schemaTable(schema) {
    var props = schema.properties || {};
    var required = schema.required || [];
    var list = el("dl", null, "api-fields");
    Object.keys(props).forEach(function (name) {
      var prop = props[name];
      var term = el("dt");
      term.appendChild(el("code", name));
      term.appendChild(document.createTextNode(" " + typeOf(prop) + (required.indexOf(name) >= 0 ? " · " + label("required") : "")));
      list.appendChild(term);
      list.appendChild(en(el("dd", prop.description || prop.title || "")));
    });
    return list;
  }

  function contentTypes(content) {
    var out = el("ul");
    Object.keys(content || {}).forEach(function (type) {
      var item = el("li");
      item.appendChild(el("code", type));
      item.appendChild(document.createTextNode(" " + typeOf(content[type].schema)));
      out.appendChild(item);
    });
    return out;
  }

  function operation(path, method, op) {
    var section = el("section", null, "card api-operation");
    section.id = op.operationId || (method + path);
    var heading = el("h2");
    heading.appendChild(el("code", method.toUpperCase() + " " + path));
    section.appendChild(heading);
    section.appendChild(en(el("p", op.summary)));
    if (op.description) { section.appendChild(en(el("p", op.description, "muted"))); }
    if (op.parameters && op.parameters.length) {
      section.appendChild(el("h3", label("parameters")));
      var params = el("dl", null, "api-fields");
      op.parameters.forEach(function (p) {
        var term = el("dt");
        term.appendChild(el("code", p.name));
        term.appendChild(document.createTextNode(" (" + p.in + ") " + typeOf(p.schema) + (p.required ? " · " + label("required") : "")));
        params.appendChild(term);
        params.appendChild(en(el("dd", p.description || (p.schema && p.schema.description) || "")));
      });
      section.appendChild(params);
    }
    if (op.requestBody) {
      section.appendChild(el("h3", label("body")));
      section.appendChild(contentTypes(op.requestBody.content));
    }
    section.appendChild(el("h3", label("responses")));
    var answers = el("dl", null, "api-fields");
    Object.keys(op.responses || {}).sort().forEach(function (status) {
      var term = el("dt");
      term.appendChild(el("code", status));
      answers.appendChild(term);
      var detail = en(el("dd", op.responses[status].description || ""));
      detail.appendChild(contentTypes(op.responses[status].content));
      answers.appendChild(detail);
    });
    section.appendChild(answers);
    return section;
  }

  function render(doc) {
    root.textContent = "";
    if (doc.info && doc.info.description) { root.appendChild(en(el("p", doc.info.description))); }
    Object.keys(doc.paths || {}).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        root.appendChild(operation(path, method, doc.paths[path][method]));
      });
    });
    var schemas = (doc.components && doc.components.schemas) || {};
    var block = el("section", null, "card");
    block.appendChild(el("h2", label("schemas")));
    Object.keys(schemas).sort().forEach(function (name) {
      var sub = el("section", null, "api-schema");
      sub.id = "schema-" + name;
      sub.appendChild(el("h3", name));
      if (schemas[name].description) { sub.appendChild(en(el("p", schemas[name].description, "muted"))); }
      sub.appendChild(schemaTable(schemas[name]));
      block.appendChild(sub);
    });
    root.appendChild(block);
  }

  fetch(root.getAttribute("data-spec"), { headers: { Accept: "application/json" }, credentials: "omit" })
    .then(function (answer) { if (!answer.ok) { throw new Error(String(answer.status)); } return answer.json(); })
    .then(render)
    .catch(function () { root.appendChild(el("p", label("failed"), "alert")); });
}());
