#!/usr/bin/env python3
"""Validates the manifests `helm template` rendered (a multi-document YAML file).

1. Every document against the Kubernetes OpenAPI schemas, strictly (unknown fields fail), with
   kubernetes-validate (its wheel ships the schemas, so this runs offline). Kinds that come from other projects'
   CRDs (ServiceMonitor) are not in those schemas: they are checked for apiVersion, kind and name only, and
   the script says so.
2. The chart's own rules, on every combination of values: hardened pods, resources, gRPC probes, selectors
   that match, HPAs and PDBs that point at a Deployment, no Service without endpoints.
3. With ENV_NAMES (the JSON service-env-names.ts prints), no DICOMESH_* or OTEL_* variable is set on a
   component that does not read it: such a setting is silently ignored.

Usage: validate-manifests.py KUBERNETES_VERSION FILE [ENV_NAMES]   (one line per problem; exit 1 when any)
"""

import json
import sys

import kubernetes_validate
import yaml

FOREIGN_CRD_KINDS = {("monitoring.coreos.com/v1", "ServiceMonitor")}


def schema_problems(doc, version):
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key in FOREIGN_CRD_KINDS:
        if not doc.get("metadata", {}).get("name"):
            return [f"{key[1]} without a name"]
        return []
    try:
        kubernetes_validate.validate(doc, version, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"schema: {error.message} at {'.'.join(str(p) for p in error.path)}"]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [f"no schema: {error}"]
    return []


def pod_problems(name, pod):
    problems = []
    security = pod.get("securityContext", {})
    if security.get("runAsNonRoot") is not True:
        problems.append("pod securityContext.runAsNonRoot is not true")
    if security.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append("pod seccompProfile is not RuntimeDefault")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for container in pod.get("containers", []):
        where = f"container {container['name']}"
        sc = container.get("securityContext", {})
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: readOnlyRootFilesystem is not true")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: allowPrivilegeEscalation is not false")
        if sc.get("capabilities", {}).get("drop") != ["ALL"]:
            problems.append(f"{where}: capabilities do not drop ALL")
        resources = container.get("resources", {})
        if not resources.get("requests", {}).get("memory") or not resources.get("limits", {}).get("memory"):
            problems.append(f"{where}: no memory request and limit")
        mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
        tmp = mounts.get("/tmp")
        if tmp is None or "emptyDir" not in volumes.get(tmp["name"], {}):
            problems.append(f"{where}: /tmp is not an emptyDir")
        for mount in mounts.values():
            if mount["name"] not in volumes:
                problems.append(f"{where}: mounts volume {mount['name']} that the pod lacks")
    return [f"{name}: {p}" for p in problems]


def deployment_problems(doc):
    name = f"Deployment {doc['metadata']['name']}"
    spec = doc["spec"]
    template = spec["template"]
    labels = template["metadata"].get("labels", {})
    problems = []
    for key, value in spec["selector"]["matchLabels"].items():
        if labels.get(key) != value:
            problems.append(f"{name}: selector {key}={value} not in the pod labels")
    if doc["metadata"].get("labels", {}).get("app.kubernetes.io/managed-by") != "Helm":
        problems.append(f"{name}: no app.kubernetes.io/managed-by label")
    pod = template["spec"]
    problems += pod_problems(name, pod)
    for container in pod["containers"]:
        grpc_port = next((p["containerPort"] for p in container.get("ports", []) if p["name"] == "grpc"), None)
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            port = container.get(probe, {}).get("grpc", {}).get("port")
            if port is None or port != grpc_port:
                problems.append(f"{name}: {probe} is not a gRPC probe on the grpc port ({grpc_port})")
        env = {e["name"]: e for e in container.get("env", [])}
        if env.get("DICOMESH_GRPC_PORT", {}).get("value") != str(grpc_port):
            problems.append(f"{name}: DICOMESH_GRPC_PORT does not match the grpc port")
    return problems


# The services' own settings; others (NODE_EXTRA_CA_CERTS, K8S_*) are read by Node or the telemetry resource.
CONFIG_PREFIXES = ("DICOMESH_", "OTEL_")
# Read by the OTLP exporter itself, in a component that reads OTEL_TRACES_EXPORTER (which picks it).
OTLP_EXPORTER_PREFIX = "OTEL_EXPORTER_OTLP_"


def unread_env_problems(doc, env_names):
    """DICOMESH_*/OTEL_* variables the chart sets on a component whose configuration does not read them."""
    component = doc["spec"]["template"]["metadata"].get("labels", {}).get("app.kubernetes.io/component")
    read = env_names.get(component)
    if read is None:
        return [f"Deployment {doc['metadata']['name']}: component {component} has no known configuration"]
    problems = []
    for container in doc["spec"]["template"]["spec"]["containers"]:
        for entry in container.get("env", []):
            name = entry["name"]
            if name.startswith(OTLP_EXPORTER_PREFIX) and "OTEL_TRACES_EXPORTER" in read:
                continue
            if name.startswith(CONFIG_PREFIXES) and name not in read:
                problems.append(f"Deployment {doc['metadata']['name']}: sets {name}, which {component} does not read")
    return problems


def matches(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


def cross_problems(docs):
    problems = []
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    pod_labels = [d["spec"]["template"]["metadata"]["labels"] for d in deployments.values()]
    for doc in docs:
        kind, name = doc["kind"], doc["metadata"]["name"]
        if kind == "Service" and not any(matches(doc["spec"].get("selector", {}), labels) for labels in pod_labels):
            problems.append(f"Service {name}: its selector matches no Deployment's pods")
        if kind == "HorizontalPodAutoscaler":
            target = doc["spec"]["scaleTargetRef"]["name"]
            if target not in deployments:
                problems.append(f"HPA {name}: targets missing Deployment {target}")
            elif "replicas" in deployments[target]["spec"]:
                problems.append(f"HPA {name}: Deployment {target} also sets replicas (they would fight)")
        if kind == "PodDisruptionBudget":
            selector = doc["spec"]["selector"]["matchLabels"]
            if not any(matches(selector, labels) for labels in pod_labels):
                problems.append(f"PDB {name}: its selector matches no Deployment's pods")
        if kind == "NetworkPolicy":
            selector = doc["spec"]["podSelector"]["matchLabels"]
            if not any(matches(selector, labels) for labels in pod_labels):
                problems.append(f"NetworkPolicy {name}: its podSelector matches no Deployment's pods")
        if kind == "Pod":
            problems += pod_problems(f"Pod {name}", doc["spec"])
    return problems


def main():
    version, path = sys.argv[1], sys.argv[2]
    env_names = None
    if len(sys.argv) > 3:
        with open(sys.argv[3], encoding="utf-8") as f:
            env_names = json.load(f)
    with open(path, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    if not docs:
        print(f"{path}: no manifests")
        return 1
    problems = []
    for doc in docs:
        label = f"{doc.get('kind')} {doc.get('metadata', {}).get('name')}"
        problems += [f"{label}: {p}" for p in schema_problems(doc, version)]
        if doc.get("kind") == "Deployment":
            problems += deployment_problems(doc)
            if env_names is not None:
                problems += unread_env_problems(doc, env_names)
    problems += cross_problems(docs)
    kinds = sorted({d["kind"] for d in docs})
    foreign = sorted(k for (_, k) in FOREIGN_CRD_KINDS if k in kinds)
    for problem in problems:
        print(f"  {problem}")
    note = f" ({', '.join(foreign)}: CRD kind, name only)" if foreign else ""
    print(f"  {len(docs)} manifests, {len(problems)} problems; kinds: {', '.join(kinds)}{note}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
