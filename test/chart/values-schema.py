#!/usr/bin/env python3
"""Writes charts/dicomesh/values.schema.json: every object closed (additionalProperties false), every value typed.

The five components share one shape, so the schema is generated rather than kept by hand:
    python3 test/chart/values-schema.py          # rewrite the schema
    python3 test/chart/values-schema.py --check  # exit 1 when the committed schema is stale (run.sh does this)
"""

import json
import sys
from pathlib import Path

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "charts" / "dicomesh" / "values.schema.json"


def obj(properties, required=None, description=None):
    schema = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = required
    if description:
        schema["description"] = description
    return schema


def string(description=None, **extra):
    schema = {"type": "string", **extra}
    if description:
        schema["description"] = description
    return schema


def boolean(description=None):
    return {"type": "boolean", **({"description": description} if description else {})}


def integer(minimum=None, maximum=None, description=None):
    schema = {"type": "integer"}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    if description:
        schema["description"] = description
    return schema


def string_map(description=None):
    return {"type": "object", "additionalProperties": {"type": "string"}, **({"description": description} if description else {})}


def array(items, description=None, **extra):
    return {"type": "array", "items": items, **extra, **({"description": description} if description else {})}


PORT = integer(1, 65535)
DURATION = string("A duration: a number with ms, s, m or h (300s, 5m).", pattern=r"^[0-9]+(\.[0-9]+)?(ms|s|m|h)?$")
QUANTITY = {"type": ["string", "number"], "pattern": r"^[+]?[0-9.]+([eE][+-]?[0-9]+)?(m|k|Ki|Mi|Gi|Ti|Pi|Ei|M|G|T|P|E)?$"}
AE_TITLE = string("An AE title: 1 to 16 characters, no backslash or control characters.", pattern=r"^[ -\[\]-~]{0,16}$", minLength=1, maxLength=16)
K8S_NAME = string(pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength=253)
# Kubernetes' own objects (NetworkPolicyPeer, EnvVar, affinity terms) pass through to the API server, which
# validates them; their top-level keys are closed here so that a typo still fails at `helm install`.
LABEL_SELECTOR = obj({"matchLabels": string_map(), "matchExpressions": array({"type": "object"})})
NETWORK_POLICY_PEER = obj(
    {
        "podSelector": LABEL_SELECTOR,
        "namespaceSelector": LABEL_SELECTOR,
        "ipBlock": obj({"cidr": string(), "except": array(string())}, required=["cidr"]),
    }
)
PEERS = array(NETWORK_POLICY_PEER)
ENV_VAR = obj({"name": string(pattern=r"^[-._a-zA-Z][-._a-zA-Z0-9]*$"), "value": string(), "valueFrom": {"type": "object"}}, required=["name"])
TOLERATION = obj(
    {
        "key": string(),
        "operator": string(enum=["Exists", "Equal"]),
        "value": string(),
        "effect": string(enum=["", "NoSchedule", "PreferNoSchedule", "NoExecute"]),
        "tolerationSeconds": integer(),
    }
)
AFFINITY = obj({"nodeAffinity": {"type": "object"}, "podAffinity": {"type": "object"}, "podAntiAffinity": {"type": "object"}})
TOPOLOGY_SPREAD = obj(
    {
        "maxSkew": integer(1),
        "topologyKey": string(),
        "whenUnsatisfiable": string(enum=["DoNotSchedule", "ScheduleAnyway"]),
        "labelSelector": LABEL_SELECTOR,
        "minDomains": integer(1),
        "matchLabelKeys": array(string()),
        "nodeAffinityPolicy": string(enum=["Honor", "Ignore"]),
        "nodeTaintsPolicy": string(enum=["Honor", "Ignore"]),
    },
    required=["maxSkew", "topologyKey", "whenUnsatisfiable"],
)
RESOURCE_LIST = {"type": "object", "additionalProperties": QUANTITY, "propertyNames": {"enum": ["cpu", "memory", "ephemeral-storage"]}}
RESOURCES = obj({"requests": RESOURCE_LIST, "limits": RESOURCE_LIST})
SECCOMP = obj({"type": string(enum=["RuntimeDefault", "Localhost", "Unconfined"]), "localhostProfile": string()}, required=["type"])


def autoscaling(with_associations=False):
    properties = {
        "enabled": boolean("Create a HorizontalPodAutoscaler."),
        "minReplicas": integer(1),
        "maxReplicas": integer(1),
        "targetCPUUtilizationPercentage": integer(1, 1000),
    }
    if with_associations:
        properties["associations"] = obj(
            {
                "enabled": boolean("Also scale on the Pods metric dicomesh_associations_open (needs a custom metrics adapter)."),
                "averageValue": {"type": ["string", "integer"], "description": "Target open associations per pod."},
            }
        )
    return obj(properties, required=["enabled", "minReplicas", "maxReplicas", "targetCPUUtilizationPercentage"])


def component(own, description):
    properties = {
        "replicas": integer(0, description="Replicas when autoscaling is off."),
        "grpcPort": PORT,
        "shutdownGrace": DURATION,
        "terminationGracePeriodSeconds": integer(0),
        "resources": RESOURCES,
        "autoscaling": autoscaling(with_associations="dicomPort" in own),
        "podDisruptionBudget": obj(
            {"enabled": boolean(), "maxUnavailable": {"type": ["integer", "string"], "pattern": r"^[0-9]+%$"}},
            required=["enabled", "maxUnavailable"],
        ),
        "podAnnotations": string_map(),
        "podLabels": string_map(),
        "nodeSelector": string_map(),
        "tolerations": array(TOLERATION),
        "affinity": AFFINITY,
        "topologySpreadConstraints": array(TOPOLOGY_SPREAD),
        "extraEnv": array(ENV_VAR, "Extra environment variables (EnvVar list)."),
        **own,
    }
    return obj(properties, required=["replicas", "grpcPort", "resources", "autoscaling", "podDisruptionBudget"], description=description)


GATEWAY = component(
    {
        "dicomPort": PORT,
        "service": obj(
            {
                "type": string(enum=["LoadBalancer", "NodePort", "ClusterIP"]),
                "port": PORT,
                "externalTrafficPolicy": string(enum=["Local", "Cluster"]),
                "loadBalancerIP": string(),
                "loadBalancerSourceRanges": array(string()),
                "annotations": string_map(),
            },
            required=["type", "port"],
        ),
        "tls": obj(
            {
                "enabled": boolean(),
                "port": PORT,
                "containerPort": PORT,
                "secretName": string(),
                "requireClientCertificate": boolean(),
            },
            required=["enabled"],
        ),
        "maxAssociations": integer(1, 100000),
        "maxPduLength": integer(4096, 16777216),
        "artimTimeout": DURATION,
        "idleTimeout": DURATION,
        "dimseTimeout": DURATION,
        "allowedCallingAeTitles": array(AE_TITLE),
        "acceptUnknownSopClasses": boolean(),
    },
    "The gateway: DICOM associations, calling the backends over gRPC.",
)

SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "dicomesh chart values",
    **obj(
        {
            "nameOverride": string(),
            "fullnameOverride": string(),
            "commonLabels": string_map(),
            "clusterDomain": string(minLength=1),
            "image": obj(
                {
                    "repository": string(minLength=1),
                    "tag": string(),
                    "digest": string(pattern=r"^(sha256:[a-f0-9]{64})?$"),
                    "pullPolicy": string(enum=["Always", "IfNotPresent", "Never"]),
                    "pullSecrets": array(K8S_NAME),
                },
                required=["repository"],
            ),
            "aeTitle": AE_TITLE,
            "serviceAccount": obj({"create": boolean(), "name": string(), "annotations": string_map(), "automountToken": boolean()}),
            "aeRegistry": obj(
                {
                    "source": string(enum=["file", "kubernetes"]),
                    "entities": array(
                        obj(
                            {
                                "aeTitle": AE_TITLE,
                                "host": string(minLength=1),
                                "port": PORT,
                                "tls": boolean("The AE accepts DICOM TLS only: retrieve connects to it over TLS (retrieve.destinationTls)."),
                            },
                            required=["aeTitle", "host", "port"],
                        )
                    ),
                    "rbac": boolean(),
                },
                required=["source"],
            ),
            "database": obj(
                {
                    "url": string(pattern=r"^(postgres(ql)?://.+)?$", description="PostgreSQL URL; the chart keeps it in a Secret."),
                    "existingSecret": string(),
                    "secretKey": string(minLength=1),
                    "pooled": boolean("The URL is a connection pooler's (PgBouncer...): DICOMESH_DATABASE_POOLED."),
                },
                required=["secretKey"],
            ),
            "trustedCa": obj({"secretName": string(), "key": string(minLength=1)}, required=["key"]),
            "nats": obj(
                {
                    # No credentials (no '@') in a plain value: they belong in existingSecret.
                    "url": string(
                        pattern=r"^((nats|tls)://[^,@]+)?(,(nats|tls)://[^,@]+)*$",
                        description="NATS server URL(s), without credentials (use existingSecret for those).",
                    ),
                    "existingSecret": string(),
                    "secretKey": string(minLength=1),
                    "credsSecret": string(),
                    "credsKey": string(minLength=1),
                    "nkeySecret": string(),
                    "nkeyKey": string(minLength=1),
                    "tls": obj(
                        {
                            "secretName": string("Secret of type kubernetes.io/tls: the client certificate presented to NATS."),
                            "verifyWithCaCrt": boolean("Verify the NATS server against the Secret's ca.crt."),
                        }
                    ),
                },
                required=["secretKey", "credsKey", "nkeyKey"],
            ),
            "telemetry": obj(
                {
                    "logLevel": string(enum=["debug", "info", "warn", "error"]),
                    "debugModules": array(string(pattern=r"^[a-z*][-a-z0-9]*$")),
                    "tracesExporter": string(enum=["none", "console", "otlp"]),
                    "otlp": obj({"endpoint": string(), "protocol": string(enum=["http/protobuf", "http/json", "grpc"])}),
                    "resourceAttributes": string_map(),
                }
            ),
            "metrics": obj(
                {
                    "enabled": boolean(),
                    "port": PORT,
                    "serviceMonitor": obj(
                        {"enabled": boolean(), "interval": DURATION, "scrapeTimeout": DURATION, "labels": string_map()}
                    ),
                    "dashboard": obj({"enabled": boolean(), "labels": string_map(), "annotations": string_map()}),
                }
            ),
            "networkPolicy": obj(
                {
                    "enabled": boolean(),
                    "gatewayFrom": PEERS,
                    "metricsFrom": PEERS,
                    "dnsTo": PEERS,
                    "dependenciesTo": PEERS,
                    "dependencyPorts": array(PORT),
                    "remoteAesTo": PEERS,
                    "remoteAePorts": array(PORT),
                    "apiServerTo": PEERS,
                }
            ),
            "podSecurityContext": obj(
                {
                    "runAsNonRoot": {"const": True, "description": "Pods never run as root."},
                    "runAsUser": integer(1),
                    "runAsGroup": integer(1),
                    "fsGroup": integer(0),
                    "fsGroupChangePolicy": string(enum=["OnRootMismatch", "Always"]),
                    "supplementalGroups": array(integer(0)),
                    "seccompProfile": SECCOMP,
                },
                required=["runAsNonRoot"],
            ),
            "containerSecurityContext": obj(
                {
                    "runAsNonRoot": {"const": True},
                    "allowPrivilegeEscalation": {"const": False},
                    "readOnlyRootFilesystem": boolean(),
                    "privileged": {"const": False},
                    "capabilities": obj({"drop": array(string()), "add": array(string())}),
                    "seccompProfile": SECCOMP,
                }
            ),
            "tmpSizeLimit": QUANTITY,
            "gateway": GATEWAY,
            "verification": component({}, "Verification: C-ECHO."),
            "storage": component(
                {
                    "duplicates": string(enum=["ignore", "overwrite"]),
                    "acceptUnknownSopClasses": boolean(),
                    "persistence": obj(
                        {
                            "existingClaim": string(),
                            "storageClassName": string(),
                            "accessMode": string(enum=["", "ReadWriteOnce", "ReadWriteMany", "ReadWriteOncePod"]),
                            "size": QUANTITY,
                            "annotations": string_map(),
                        },
                        required=["size"],
                    ),
                },
                "Storage: C-STORE to the blob volume and the index.",
            ),
            "query": component(
                {"maxMatches": integer(0, 100000000), "personNameCaseInsensitive": boolean()},
                "Query: C-FIND over the index.",
            ),
            "retrieve": component(
                {
                    "subOperationTimeout": DURATION,
                    "destinationTls": obj(
                        {
                            "secretName": string("Secret of type kubernetes.io/tls: the client certificate presented to TLS destinations."),
                            "verifyWithCaCrt": boolean("Verify TLS destinations against the Secret's ca.crt."),
                        }
                    )
                },
                "Retrieve: C-MOVE and C-GET.",
            ),
            "tests": obj({"enabled": boolean(), "callingAeTitle": AE_TITLE}),
        },
        required=["image", "aeTitle", "gateway", "verification", "storage", "query", "retrieve"],
    ),
}


def render() -> str:
    return json.dumps(SCHEMA, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    text = render()
    if sys.argv[1:] == ["--check"]:
        if not SCHEMA_PATH.exists() or SCHEMA_PATH.read_text() != text:
            print(f"{SCHEMA_PATH} is stale: run python3 test/chart/values-schema.py", file=sys.stderr)
            sys.exit(1)
    else:
        SCHEMA_PATH.write_text(text)
