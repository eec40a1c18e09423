// Renders a kustomization the way `kubectl kustomize` does, for the part of kustomize that the
// kustomizations under deploy/kubernetes use, so that CI can check the rendered objects without a
// kubectl or kustomize binary. Anything outside that part is refused with a message naming it,
// never skipped: a kustomization that uses more must extend this file (and validate.mjs compares
// the result with `kubectl kustomize` wherever kubectl is installed).
//
// Supported: resources (files and directories with a kustomization), configMapGenerator (files,
// literals, labels and annotations; behavior create) with generatorOptions.disableNameSuffixHash,
// images (newName, newTag, digest), replicas, and patches holding JSON 6902 operations (add,
// remove, replace, test) with a target of group, version, kind, name and namespace.

import fs from "node:fs";
import path from "node:path";
import { parse, parseAllDocuments } from "yaml";

const KustomizationFiles = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
const SupportedFields = new Set(["apiVersion", "kind", "resources", "configMapGenerator", "generatorOptions", "images", "replicas", "patches"]);
const ScalableKinds = new Set(["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"]);

export class KustomizeError extends Error {}

export function kustomizationFile(dir) {
  for (const name of KustomizationFiles) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

function fail(file, message) {
  throw new KustomizeError(`${file}: ${message}`);
}

function readYamlDocuments(file) {
  const docs = parseAllDocuments(fs.readFileSync(file, "utf8"));
  const objects = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) fail(file, doc.errors[0].message);
    const value = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value) || !value.kind || !value.apiVersion)
      fail(file, "every document must be a Kubernetes object with apiVersion and kind");
    objects.push(value);
  }
  return objects;
}

/** apiVersion split into group ("" for the core group) and version. */
export function groupVersion(apiVersion) {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function objectId(o) {
  return `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
}

/**
 * Renders the kustomization in `dir`. Returns the objects and every file the rendering read
 * (kustomization files, resources, patches, generator inputs), as absolute paths.
 */
export function render(dir, visiting = new Set()) {
  dir = path.resolve(dir);
  const file = kustomizationFile(dir);
  if (!file) throw new KustomizeError(`${dir}: no kustomization.yaml`);
  if (visiting.has(dir)) fail(file, "kustomizations include each other");
  visiting.add(dir);
  const used = new Set([file]);
  const k = parse(fs.readFileSync(file, "utf8")) ?? {};
  for (const field of Object.keys(k))
    if (!SupportedFields.has(field)) fail(file, `'${field}' is not implemented by deploy/tools/kustomize.mjs; implement it there or do without`);
  if (k.kind !== undefined && k.kind !== "Kustomization") fail(file, `kind ${k.kind} is not implemented`);

  const objects = [];
  for (const entry of k.resources ?? []) {
    const target = path.resolve(dir, entry);
    if (!fs.existsSync(target)) fail(file, `resource ${entry} does not exist`);
    if (fs.statSync(target).isDirectory()) {
      const sub = render(target, visiting);
      sub.objects.forEach((o) => objects.push(o));
      sub.used.forEach((f) => used.add(f));
    } else {
      readYamlDocuments(target).forEach((o) => objects.push(o));
      used.add(target);
    }
  }

  for (const generator of k.configMapGenerator ?? []) objects.push(configMap(file, dir, generator, k.generatorOptions, used));

  for (const patch of k.patches ?? []) applyPatch(file, dir, patch, objects, used);
  for (const image of k.images ?? []) setImage(file, image, objects);
  for (const replicas of k.replicas ?? []) setReplicas(file, replicas, objects);

  const seen = new Set();
  for (const o of objects) {
    const id = objectId(o);
    if (seen.has(id)) fail(file, `${id} is defined twice`);
    seen.add(id);
  }
  visiting.delete(dir);
  return { objects, used };
}

function configMap(file, dir, generator, options, used) {
  for (const field of Object.keys(generator))
    if (!["name", "namespace", "files", "literals", "options", "behavior"].includes(field))
      fail(file, `configMapGenerator '${field}' is not implemented`);
  if ((generator.behavior ?? "create") !== "create") fail(file, `configMapGenerator behavior ${generator.behavior} is not implemented`);
  const disableHash = generator.options?.disableNameSuffixHash ?? options?.disableNameSuffixHash;
  if (disableHash !== true)
    fail(file, `configMapGenerator ${generator.name}: only disableNameSuffixHash: true is implemented (a hash suffix would also need every reference renamed)`);
  for (const field of Object.keys(generator.options ?? {}))
    if (!["labels", "annotations", "disableNameSuffixHash"].includes(field)) fail(file, `configMapGenerator options '${field}' is not implemented`);
  for (const field of Object.keys(options ?? {}))
    if (field !== "disableNameSuffixHash") fail(file, `generatorOptions '${field}' is not implemented`);
  const data = {};
  for (const entry of generator.files ?? []) {
    const eq = entry.indexOf("=");
    const key = eq < 0 ? path.basename(entry) : entry.slice(0, eq);
    const source = path.resolve(dir, eq < 0 ? entry : entry.slice(eq + 1));
    if (!fs.existsSync(source)) fail(file, `configMapGenerator ${generator.name}: ${entry} does not exist`);
    if (key in data) fail(file, `configMapGenerator ${generator.name}: key ${key} twice`);
    data[key] = fs.readFileSync(source, "utf8");
    used.add(source);
  }
  for (const entry of generator.literals ?? []) {
    const eq = entry.indexOf("=");
    if (eq < 1) fail(file, `configMapGenerator ${generator.name}: literal '${entry}' is not key=value`);
    data[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  const metadata = { name: generator.name };
  if (generator.namespace) metadata.namespace = generator.namespace;
  if (generator.options?.labels) metadata.labels = { ...generator.options.labels };
  if (generator.options?.annotations) metadata.annotations = { ...generator.options.annotations };
  const sorted = Object.fromEntries(Object.keys(data).sort().map((key) => [key, data[key]]));
  return { apiVersion: "v1", kind: "ConfigMap", metadata, data: sorted };
}

function matches(target, o) {
  const { group, version } = groupVersion(o.apiVersion);
  if (target.group !== undefined && target.group !== group) return false;
  if (target.version !== undefined && target.version !== version) return false;
  if (target.kind !== undefined && target.kind !== o.kind) return false;
  if (target.name !== undefined && target.name !== o.metadata?.name) return false;
  if (target.namespace !== undefined && target.namespace !== o.metadata?.namespace) return false;
  return true;
}

function applyPatch(file, dir, patch, objects, used) {
  for (const field of Object.keys(patch))
    if (!["path", "patch", "target"].includes(field)) fail(file, `patches '${field}' is not implemented`);
  const target = patch.target;
  if (!target) fail(file, "a patch without a target (a strategic merge patch) is not implemented");
  for (const field of Object.keys(target))
    if (!["group", "version", "kind", "name", "namespace"].includes(field)) fail(file, `patch target '${field}' is not implemented`);
  let text = patch.patch;
  if (patch.path) {
    const source = path.resolve(dir, patch.path);
    if (!fs.existsSync(source)) fail(file, `patch ${patch.path} does not exist`);
    text = fs.readFileSync(source, "utf8");
    used.add(source);
  }
  const operations = parse(text);
  if (!Array.isArray(operations)) fail(file, `patch ${patch.path ?? ""}: only JSON 6902 patches (a list of operations) are implemented`);
  const hits = objects.filter((o) => matches(target, o));
  if (hits.length === 0) fail(file, `patch ${patch.path ?? ""}: no object matches its target ${JSON.stringify(target)}`);
  for (const o of hits) for (const op of operations) applyOperation(file, patch.path ?? "", o, op);
}

function pointer(file, where, p) {
  if (typeof p !== "string" || !p.startsWith("/")) fail(file, `${where}: path '${p}' is not a JSON pointer`);
  return p.slice(1).split("/").map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function applyOperation(file, where, o, op) {
  const tokens = pointer(file, where, op.path);
  const last = tokens.pop();
  let parent = o;
  for (const t of tokens) {
    parent = Array.isArray(parent) ? parent[Number(t)] : parent?.[t];
    if (parent === undefined || parent === null || typeof parent !== "object") fail(file, `${where}: ${op.path} does not exist in ${objectId(o)}`);
  }
  const exists = Array.isArray(parent) ? last === "-" || Number(last) < parent.length : Object.hasOwn(parent, last);
  const value = structuredClone(op.value);
  switch (op.op) {
    case "add":
      if (Array.isArray(parent)) parent.splice(last === "-" ? parent.length : Number(last), 0, value);
      else parent[last] = value;
      break;
    case "replace":
      if (!exists) fail(file, `${where}: replace ${op.path}: nothing there in ${objectId(o)}`);
      if (Array.isArray(parent)) parent[Number(last)] = value;
      else parent[last] = value;
      break;
    case "remove":
      if (!exists) fail(file, `${where}: remove ${op.path}: nothing there in ${objectId(o)}`);
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
      break;
    case "test": {
      const actual = Array.isArray(parent) ? parent[Number(last)] : parent[last];
      if (JSON.stringify(actual) !== JSON.stringify(op.value)) fail(file, `${where}: test ${op.path} failed in ${objectId(o)}`);
      break;
    }
    default:
      fail(file, `${where}: operation '${op.op}' is not implemented`);
  }
}

function podSpec(o) {
  if (o.kind === "Pod") return o.spec;
  return o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
}

function splitImage(image) {
  let rest = image;
  let digest;
  const at = rest.indexOf("@");
  if (at >= 0) [rest, digest] = [rest.slice(0, at), rest.slice(at + 1)];
  const colon = rest.lastIndexOf(":");
  const tag = colon > rest.lastIndexOf("/") ? rest.slice(colon + 1) : undefined;
  const name = tag === undefined ? rest : rest.slice(0, colon);
  return { name, tag, digest };
}

function setImage(file, image, objects) {
  for (const field of Object.keys(image))
    if (!["name", "newName", "newTag", "digest"].includes(field)) fail(file, `images '${field}' is not implemented`);
  let found = false;
  for (const o of objects) {
    const spec = podSpec(o);
    if (!spec) continue;
    for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      const current = splitImage(container.image ?? "");
      if (current.name !== image.name) continue;
      found = true;
      const name = image.newName ?? current.name;
      if (image.digest) container.image = `${name}@${image.digest}`;
      else if (image.newTag !== undefined) container.image = `${name}:${image.newTag}`;
      else container.image = name + (current.tag ? `:${current.tag}` : "") + (current.digest ? `@${current.digest}` : "");
    }
  }
  if (!found) fail(file, `images: no container uses the image ${image.name}`);
}

function setReplicas(file, replicas, objects) {
  for (const field of Object.keys(replicas))
    if (!["name", "count"].includes(field)) fail(file, `replicas '${field}' is not implemented`);
  const hits = objects.filter((o) => ScalableKinds.has(o.kind) && o.metadata?.name === replicas.name);
  if (hits.length === 0) fail(file, `replicas: no workload named ${replicas.name}`);
  for (const o of hits) o.spec.replicas = replicas.count;
}
