{{/*
One component's NetworkPolicy: dict "root" $ "component" NAME.
Ingress: the gateway's DICOM ports from gatewayFrom (anyone when empty) and the helm test pod; every gRPC port
only from this release's pods; metrics from metricsFrom. Egress: DNS, the backends (gateway), PostgreSQL/NATS/OTLP
(dependenciesTo), the Kubernetes API (kubernetes AE registry), and remote AEs (retrieve only).
*/}}
{{- define "dicomesh.networkPolicy" -}}
{{- $root := .root -}}
{{- $np := $root.Values.networkPolicy -}}
{{- $component := .component -}}
{{- $values := index $root.Values $component -}}
{{- $release := dict "app.kubernetes.io/name" (include "dicomesh.name" $root) "app.kubernetes.io/instance" $root.Release.Name -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "dicomesh.componentName" . }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "dicomesh.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "dicomesh.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    {{- if eq $component "gateway" }}
    # DICOM from the modalities, workstations and PACS.
    - ports:
        - port: dicom
          protocol: TCP
        {{- if $values.tls.enabled }}
        - port: dicom-tls
          protocol: TCP
        {{- end }}
      {{- with $np.gatewayFrom }}
      from:
        {{- toYaml . | nindent 8 }}
        - podSelector:
            matchLabels:
              {{- include "dicomesh.selectorLabels" (dict "root" $root "component" "test") | nindent 14 }}
      {{- end }}
    {{- end }}
    # gRPC only from this release's pods (the gateway, and backends calling each other).
    - ports:
        - port: grpc
          protocol: TCP
      from:
        - podSelector:
            matchLabels:
              {{- toYaml $release | nindent 14 }}
    {{- if $root.Values.metrics.enabled }}
    # Prometheus.
    - ports:
        - port: metrics
          protocol: TCP
      from:
        {{- if $np.metricsFrom }}
        {{- toYaml $np.metricsFrom | nindent 8 }}
        {{- else }}
        - namespaceSelector: {}
        {{- end }}
    {{- end }}
  egress:
    # DNS.
    - ports:
        - port: 53
          protocol: UDP
        - port: 53
          protocol: TCP
      to:
        {{- if $np.dnsTo }}
        {{- toYaml $np.dnsTo | nindent 8 }}
        {{- else }}
        - namespaceSelector: {}
          podSelector:
            matchLabels:
              k8s-app: kube-dns
        {{- end }}
    # gRPC to this release's backends.
    - ports:
        {{- range $backend := list "verification" "storage" "query" "retrieve" }}
        - port: {{ (index $root.Values $backend).grpcPort }}
          protocol: TCP
        {{- end }}
      to:
        - podSelector:
            matchLabels:
              {{- toYaml $release | nindent 14 }}
    # PostgreSQL, NATS and the OTLP collector.
    - ports:
        {{- range $np.dependencyPorts }}
        - port: {{ . }}
          protocol: TCP
        {{- end }}
      {{- with $np.dependenciesTo }}
      to:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- if and (eq $root.Values.aeRegistry.source "kubernetes") (has $component (list "gateway" "retrieve")) }}
    # The Kubernetes API, to watch ApplicationEntity resources.
    - ports:
        - port: 443
          protocol: TCP
        - port: 6443
          protocol: TCP
      {{- with $np.apiServerTo }}
      to:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
    {{- if eq $component "retrieve" }}
    # C-MOVE: associations to the remote AEs (move destinations).
    {{- if or $np.remoteAePorts $np.remoteAesTo }}
    - to:
        {{- if $np.remoteAesTo }}
        {{- toYaml $np.remoteAesTo | nindent 8 }}
        {{- else }}
        - ipBlock:
            cidr: 0.0.0.0/0
        - ipBlock:
            cidr: ::/0
        {{- end }}
      {{- with $np.remoteAePorts }}
      ports:
        {{- range . }}
        - port: {{ . }}
          protocol: TCP
        {{- end }}
      {{- end }}
    {{- else }}
    - {}
    {{- end }}
    {{- end }}
{{- end -}}
