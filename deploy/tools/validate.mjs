// Checks every manifest under deploy/kubernetes as a cluster would see it:
//
// 1. renders every kustomization there (kustomize.mjs), and checks that together they use every
//    file in the folder, so no manifest sits there unapplied;
// 2. validates every rendered object against the Kubernetes API schemas (kubernetes-models) and
//    the Prometheus Operator's (@kubernetes-models/prometheus-operator), strictly: a field the
//    schema does not know (a misspelt readinesProbe) is an error, as `kubectl apply
//    --validate=strict` makes it;
// 3. checks that the objects refer to each other correctly: Services and PodDisruptionBudgets
//    select pods, target ports and probe ports exist, ServiceMonitors select a Service with the
//    scraped port, mounted ConfigMaps, service accounts and roles exist, a StatefulSet's
//    serviceName is a headless Service over its pods;
// 4. where kubectl is installed, compares each rendering with `kubectl kustomize`.
//
//   node validate.mjs            exit 0 when all is well, 1 with every problem found

import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { render, kustomizationFile, groupVersion, objectId, KustomizeError } from "./kustomize.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const root = path.join(repo, "deploy/kubernetes");
const problems = [];

function relative(file) {
  return path.relative(repo, file).split(path.sep).join("/");
}

function problem(where, message) {
  problems.push(`${where}: ${message}`);
}

function walk(dir, files = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, files);
    else files.push(full);
  }
  return files;
}

// ---------------------------------------------------------------- schemas

async function modelFor(apiVersion, kind) {
  const { group, version } = groupVersion(apiVersion);
  const module = group === "monitoring.coreos.com"
    ? `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`
    : `kubernetes-models/${group === "" ? "" : `${group}/`}${version}/${kind}`;
  try {
    const exports = await import(module);
    return exports[kind] ?? null;
  } catch {
    return null;
  }
}

/**
 * Runs the model's schema validation on a view of the object that records which fields the
 * validator reads. The generated validators read every property their schema declares and every
 * entry of a map, and nothing else: a field never read is unknown to the schema.
 */
function validateStrictly(Model, object) {
  const read = new Set();
  const view = (value, at) => {
    if (value === null || typeof value !== "object") return value;
    return new Proxy(value, {
      get(target, key, receiver) {
        const result = Reflect.get(target, key, receiver);
        if (typeof key !== "string" || !Object.hasOwn(target, key)) return result;
        const inner = `${at}/${key}`;
        read.add(inner);
        return view(result, inner);
      },
    });
  };
  Model.prototype.validate.call(view(object, ""));
  const unknown = [];
  const visit = (value, at) => {
    if (value === null || typeof value !== "object") return;
    for (const key of Object.keys(value)) {
      const inner = `${at}/${key}`;
      if (!read.has(inner)) unknown.push(inner);
      else visit(value[key], inner);
    }
  };
  visit(object, "");
  // apiVersion and kind are read by the model's constructor, not by the schema.
  return unknown.filter((p) => p !== "/apiVersion" && p !== "/kind");
}

async function validateSchemas(where, objects) {
  for (const o of objects) {
    const id = objectId(o);
    const Model = await modelFor(o.apiVersion, o.kind);
    if (!Model) {
      problem(where, `${id}: no schema for ${o.apiVersion} ${o.kind} in kubernetes-models or @kubernetes-models/prometheus-operator`);
      continue;
    }
    try {
      const unknown = validateStrictly(Model, o);
      for (const field of unknown) problem(where, `${id}: unknown field ${field}`);
    } catch (e) {
      problem(where, `${id}: ${e.message}`);
    }
  }
}

// ---------------------------------------------------------------- references

const Workloads = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);
const ClusterScoped = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume", "StorageClass"]);

function selects(selector, labels) {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function labelSelectorSelects(selector, labels) {
  if (!selector) return false;
  if (selector.matchExpressions?.length) return false; // not used here; never assume a match
  return selects(selector.matchLabels, labels);
}

function checkReferences(where, objects) {
  const find = (kind, namespace, name) => objects.find((o) => o.kind === kind && o.metadata?.name === name && (o.metadata?.namespace ?? "") === (namespace ?? ""));
  const namespaces = new Set(objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name));
  const pods = objects
    .filter((o) => Workloads.has(o.kind))
    .map((o) => ({ owner: o, namespace: o.metadata.namespace, labels: o.spec.template?.metadata?.labels ?? {}, spec: o.spec.template?.spec ?? {} }));
  const podsOf = (namespace, selector, match) => pods.filter((p) => p.namespace === namespace && match(selector, p.labels));
  const containerPorts = (pod) => new Set(pod.spec.containers.flatMap((c) => (c.ports ?? []).flatMap((p) => [p.name, p.containerPort])));

  for (const o of objects) {
    const id = objectId(o);
    const ns = o.metadata?.namespace;
    if (!ClusterScoped.has(o.kind)) {
      if (!ns) problem(where, `${id}: no namespace`);
      else if (!namespaces.has(ns)) problem(where, `${id}: namespace ${ns} is not created by this kustomization`);
    }
    if (Workloads.has(o.kind) && !labelSelectorSelects(o.spec.selector, o.spec.template?.metadata?.labels))
      problem(where, `${id}: its selector does not select its own pod template`);
  }

  for (const service of objects.filter((o) => o.kind === "Service")) {
    const id = objectId(service);
    const selected = podsOf(service.metadata.namespace, service.spec.selector, selects);
    if (selected.length === 0) {
      problem(where, `${id}: selects no pods`);
      continue;
    }
    for (const port of service.spec.ports ?? []) {
      const target = port.targetPort ?? port.port;
      for (const pod of selected)
        if (!containerPorts(pod).has(target)) problem(where, `${id}: port ${port.name ?? port.port} targets ${target}, which ${objectId(pod.owner)} does not expose`);
    }
  }

  for (const pod of pods) {
    const id = objectId(pod.owner);
    const ns = pod.namespace;
    for (const volume of pod.spec.volumes ?? []) {
      if (volume.configMap && !find("ConfigMap", ns, volume.configMap.name) && volume.configMap.optional !== true)
        problem(where, `${id}: volume ${volume.name} mounts ConfigMap ${volume.configMap.name}, which does not exist`);
    }
    const claims = new Set((pod.owner.spec.volumeClaimTemplates ?? []).map((c) => c.metadata.name));
    const volumes = new Set([...(pod.spec.volumes ?? []).map((v) => v.name), ...claims]);
    for (const container of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
      for (const mount of container.volumeMounts ?? [])
        if (!volumes.has(mount.name)) problem(where, `${id}: container ${container.name} mounts ${mount.name}, which is no volume of the pod`);
      const ports = new Set((container.ports ?? []).flatMap((p) => [p.name, p.containerPort]));
      for (const probeName of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        const probe = container[probeName];
        const port = probe?.httpGet?.port ?? probe?.grpc?.port ?? probe?.tcpSocket?.port;
        if (port !== undefined && !ports.has(port)) problem(where, `${id}: ${probeName} of ${container.name} probes port ${port}, which the container does not expose`);
      }
    }
    const account = pod.spec.serviceAccountName;
    if (account && account !== "default" && !find("ServiceAccount", ns, account)) problem(where, `${id}: service account ${account} does not exist`);
    if (pod.owner.kind === "StatefulSet") {
      const governing = find("Service", ns, pod.owner.spec.serviceName);
      if (!governing) problem(where, `${id}: serviceName ${pod.owner.spec.serviceName} is no Service`);
      else if (governing.spec.clusterIP !== "None") problem(where, `${id}: serviceName ${pod.owner.spec.serviceName} is not headless`);
      else if (!selects(governing.spec.selector, pod.labels)) problem(where, `${id}: its headless Service does not select its pods`);
    }
  }

  for (const monitor of objects.filter((o) => o.kind === "ServiceMonitor")) {
    const id = objectId(monitor);
    const namespaces = monitor.spec.namespaceSelector?.matchNames ?? [monitor.metadata.namespace];
    const services = objects.filter((o) => o.kind === "Service" && namespaces.includes(o.metadata.namespace) && labelSelectorSelects(monitor.spec.selector, o.metadata.labels));
    if (services.length === 0) problem(where, `${id}: selects no Service`);
    for (const service of services)
      for (const endpoint of monitor.spec.endpoints ?? [])
        if (!(service.spec.ports ?? []).some((p) => p.name === endpoint.port))
          problem(where, `${id}: selects ${objectId(service)}, which has no port named ${endpoint.port}`);
    if (monitor.spec.jobLabel && services.some((s) => !s.metadata.labels?.[monitor.spec.jobLabel]))
      problem(where, `${id}: jobLabel ${monitor.spec.jobLabel} is missing on a selected Service`);
  }

  for (const budget of objects.filter((o) => o.kind === "PodDisruptionBudget"))
    if (podsOf(budget.metadata.namespace, budget.spec.selector, labelSelectorSelects).length === 0) problem(where, `${objectId(budget)}: selects no pods`);

  for (const binding of objects.filter((o) => o.kind === "RoleBinding")) {
    const id = objectId(binding);
    if (binding.roleRef.kind === "Role" && !find("Role", binding.metadata.namespace, binding.roleRef.name)) problem(where, `${id}: Role ${binding.roleRef.name} does not exist`);
    for (const subject of binding.subjects ?? [])
      if (subject.kind === "ServiceAccount" && !find("ServiceAccount", subject.namespace ?? binding.metadata.namespace, subject.name))
        problem(where, `${id}: ServiceAccount ${subject.name} does not exist`);
  }
}

// ---------------------------------------------------------------- kubectl, where installed

function onPath(name) {
  return (process.env.PATH ?? "").split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, name)));
}

function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical(value[k])]));
  return value;
}

function compareWithKubectl(where, dir, objects) {
  let output;
  try {
    output = execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    problem(where, `kubectl kustomize failed: ${(e.stderr || e.message).trim()}`);
    return "failed";
  }
  const theirs = new Map(parseAllDocuments(output).map((d) => d.toJS()).filter(Boolean).map((o) => [objectId(o), JSON.stringify(canonical(o))]));
  const ours = new Map(objects.map((o) => [objectId(o), JSON.stringify(canonical(o))]));
  let differences = 0;
  for (const [id, json] of ours) {
    if (!theirs.has(id)) { problem(where, `kubectl kustomize does not render ${id}`); differences++; }
    else if (theirs.get(id) !== json) { problem(where, `kubectl kustomize renders ${id} differently from kustomize.mjs`); differences++; }
  }
  for (const id of theirs.keys()) if (!ours.has(id)) { problem(where, `kustomize.mjs does not render ${id}, kubectl kustomize does`); differences++; }
  return differences === 0 ? "same as kubectl kustomize" : "differs from kubectl kustomize";
}

// ---------------------------------------------------------------- main

async function main() {
  const dirs = walk(root).filter((f) => path.basename(f).startsWith("kustomization.") || path.basename(f) === "Kustomization").map(path.dirname).sort();
  if (!kustomizationFile(root)) problem(relative(root), "no kustomization.yaml: `kubectl apply -k deploy/kubernetes` would fail");
  const used = new Set();
  const kubectl = onPath("kubectl");
  const summary = [];
  let failedRenders = 0;
  for (const dir of dirs) {
    const where = relative(dir);
    let rendered;
    try {
      rendered = render(dir);
    } catch (e) {
      if (!(e instanceof KustomizeError)) throw e;
      problem(where, e.message.replaceAll(repo + path.sep, ""));
      failedRenders++;
      continue;
    }
    rendered.used.forEach((f) => used.add(f));
    await validateSchemas(where, rendered.objects);
    checkReferences(where, rendered.objects);
    const kinds = {};
    for (const o of rendered.objects) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
    const crossCheck = kubectl ? compareWithKubectl(where, dir, rendered.objects) : "kubectl not installed, not compared with kubectl kustomize";
    summary.push({ kustomization: where, objects: rendered.objects.length, kinds, kubectl: crossCheck });
  }
  // A kustomization that failed to render used nothing: listing its files would only repeat that.
  if (failedRenders === 0)
    for (const file of walk(root))
      if (!used.has(file))
        problem(relative(file), "no kustomization uses this file: list it in a kustomization's resources, patches or configMapGenerator, or remove it");

  for (const s of summary)
    console.log(`${s.kustomization}: ${s.objects} objects (${Object.entries(s.kinds).map(([k, n]) => `${n} ${k}`).join(", ")}); ${s.kubectl}`);
  if (problems.length > 0) {
    console.error(`validate.mjs: ${problems.length} problems:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    process.exit(1);
  }
  console.log(`validate.mjs: ${summary.length} kustomizations, every object valid against the Kubernetes and Prometheus Operator schemas`);
}

await main();
