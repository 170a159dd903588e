{{/* Names, labels and the pieces every component's pod shares. */}}

{{- define "dicomesh.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "dicomesh.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "dicomesh.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The name of one component's resources: dict "root" $ "component" "gateway". */}}
{{- define "dicomesh.componentName" -}}
{{- printf "%s-%s" (include "dicomesh.fullname" .root | trunc 50 | trimSuffix "-") .component -}}
{{- end -}}

{{/* Selector labels of one component: a strict subset of its labels, never changed by an upgrade. */}}
{{- define "dicomesh.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dicomesh.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Labels of one component's resources: dict "root" $ "component" "gateway". */}}
{{- define "dicomesh.labels" -}}
helm.sh/chart: {{ include "dicomesh.chart" .root }}
{{ include "dicomesh.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: dicomesh
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "dicomesh.image" -}}
{{- $image := .Values.image -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $image.repository (default .Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "dicomesh.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "dicomesh.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "dicomesh.databaseSecretName" -}}
{{- default (printf "%s-database" (include "dicomesh.fullname" .)) .Values.database.existingSecret -}}
{{- end -}}

{{- define "dicomesh.aeFileConfigMapName" -}}
{{- printf "%s-ae-registry" (include "dicomesh.fullname" .) -}}
{{- end -}}

{{- define "dicomesh.dataClaimName" -}}
{{- default (printf "%s-data" (include "dicomesh.componentName" (dict "root" . "component" "storage"))) .Values.storage.persistence.existingClaim -}}
{{- end -}}

{{/* Whether storage can run more than one replica. */}}
{{- define "dicomesh.storageScalesOut" -}}
{{- $s := .Values.storage -}}
{{- if or (gt (int $s.replicas) 1) (and $s.autoscaling.enabled (gt (int $s.autoscaling.maxReplicas) 1)) -}}true{{- end -}}
{{- end -}}

{{/* The data volume's access mode: ReadWriteMany when several storage pods write it, else ReadWriteOnce. */}}
{{- define "dicomesh.dataAccessMode" -}}
{{- if .Values.storage.persistence.accessMode -}}
{{- .Values.storage.persistence.accessMode -}}
{{- else if include "dicomesh.storageScalesOut" . -}}
ReadWriteMany
{{- else -}}
ReadWriteOnce
{{- end -}}
{{- end -}}

{{/* gRPC target of a backend: dns:/// over its headless Service, so grpc-js balances round_robin over pods. */}}
{{- define "dicomesh.grpcTarget" -}}
{{- $values := index .root.Values .component -}}
{{- printf "dns:///%s.%s.svc.%s:%d" (include "dicomesh.componentName" .) .root.Release.Namespace .root.Values.clusterDomain (int $values.grpcPort) -}}
{{- end -}}

{{/* Environment every component reads: logging, tracing, metrics. dict "root" $ "component" "gateway". */}}
{{- define "dicomesh.telemetryEnv" -}}
{{- $t := .root.Values.telemetry -}}
- name: DICOMESH_LOG_LEVEL
  value: {{ $t.logLevel | quote }}
{{- with $t.debugModules }}
- name: DICOMESH_DEBUG
  value: {{ join "," . | quote }}
{{- end }}
- name: DICOMESH_METRICS_PORT
  value: {{ ternary .root.Values.metrics.port 0 .root.Values.metrics.enabled | int | quote }}
- name: OTEL_TRACES_EXPORTER
  value: {{ $t.tracesExporter | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ printf "dicomesh-%s" .component | quote }}
{{- if eq $t.tracesExporter "otlp" }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ required "telemetry.otlp.endpoint is required when telemetry.tracesExporter is otlp" $t.otlp.endpoint | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ $t.otlp.protocol | quote }}
{{- end }}
- name: K8S_POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: K8S_NAMESPACE_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ include "dicomesh.resourceAttributes" . | quote }}
{{- end -}}

{{- define "dicomesh.resourceAttributes" -}}
{{- $attrs := list "k8s.pod.name=$(K8S_POD_NAME)" "k8s.namespace.name=$(K8S_NAMESPACE_NAME)" (printf "service.namespace=%s" .root.Release.Name) (printf "service.version=%s" .root.Chart.AppVersion) -}}
{{- range $key, $value := .root.Values.telemetry.resourceAttributes -}}
{{- $attrs = append $attrs (printf "%s=%s" $key $value) -}}
{{- end -}}
{{- join "," $attrs -}}
{{- end -}}

{{- define "dicomesh.databaseEnv" }}
- name: DICOMESH_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "dicomesh.databaseSecretName" . }}
      key: {{ .Values.database.secretKey }}
{{- if .Values.database.pooled }}
- name: DICOMESH_DATABASE_POOLED
  value: "true"
{{- end }}
{{- end -}}

{{- define "dicomesh.natsEnv" -}}
{{- if .Values.nats.existingSecret }}
- name: DICOMESH_NATS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.nats.existingSecret }}
      key: {{ .Values.nats.secretKey }}
{{- else }}
{{- with .Values.nats.url }}
- name: DICOMESH_NATS_URL
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The AE registry's environment, for the gateway and retrieve. */}}
{{- define "dicomesh.aeRegistryEnv" -}}
{{- if eq .Values.aeRegistry.source "kubernetes" }}
- name: DICOMESH_AE_SOURCE
  value: kubernetes
- name: DICOMESH_AE_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
{{- else }}
- name: DICOMESH_AE_FILE
  value: /etc/dicomesh/ae-registry/ae.yaml
{{- end }}
{{- end -}}

{{- define "dicomesh.aeRegistryVolume" -}}
{{- if ne .Values.aeRegistry.source "kubernetes" }}
- name: ae-registry
  configMap:
    name: {{ include "dicomesh.aeFileConfigMapName" . }}
{{- end }}
{{- end -}}

{{- define "dicomesh.aeRegistryVolumeMount" -}}
{{- if ne .Values.aeRegistry.source "kubernetes" }}
- name: ae-registry
  mountPath: /etc/dicomesh/ae-registry
  readOnly: true
{{- end }}
{{- end -}}

{{/* The kubelet's gRPC health probes (grpc.health.v1 on the component's gRPC port). */}}
{{- define "dicomesh.probes" -}}
startupProbe:
  grpc:
    port: {{ .grpcPort }}
  periodSeconds: 2
  failureThreshold: 60
readinessProbe:
  grpc:
    port: {{ .grpcPort }}
  periodSeconds: 5
  failureThreshold: 2
livenessProbe:
  grpc:
    port: {{ .grpcPort }}
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 3
{{- end -}}

{{/*
One component's Deployment. dict "root" $ "component" NAME; the component's own environment, volumes, mounts,
ports and affinity come from the templates dicomesh.<component>.env, .volumes, .volumeMounts, .ports and
.affinity, defined in its folder.
*/}}
{{- define "dicomesh.deployment" -}}
{{- $root := .root -}}
{{- $component := .component -}}
{{- $values := index $root.Values $component -}}
{{- $ctx := dict "root" $root "component" $component -}}
{{- /* Where trustedCa's Secret is mounted: NODE_EXTRA_CA_CERTS names its file. */ -}}
{{- $trustedCaDir := "/etc/dicomesh/trusted-ca" -}}
{{- /* The components that publish to NATS mount nats.credsSecret here; DICOMESH_NATS_CREDS_FILE names the file. */ -}}
{{- $natsCredsDir := "/etc/dicomesh/nats" -}}
{{- $natsClients := list "gateway" "storage" "retrieve" -}}
{{- $natsCreds := and $root.Values.nats.credsSecret (has $component $natsClients) -}}
{{- /* ... nats.nkeySecret here; DICOMESH_NATS_NKEY_FILE names the seed file. */ -}}
{{- $natsNkeyDir := "/etc/dicomesh/nats-nkey" -}}
{{- $natsNkey := and $root.Values.nats.nkeySecret (has $component $natsClients) -}}
{{- if and $natsCreds $natsNkey }}
{{- fail "nats.credsSecret and nats.nkeySecret: set one (a .creds file holds an NKey seed of its own)" }}
{{- end }}
{{- /* ... and nats.tls.secretName here (tls.crt, tls.key, ca.crt): DICOMESH_NATS_TLS_* name the files. */ -}}
{{- $natsTlsDir := "/etc/dicomesh/nats-tls" -}}
{{- $natsTls := and $root.Values.nats.tls.secretName (has $component $natsClients) -}}
{{- if and $root.Values.nats.tls.verifyWithCaCrt (not $root.Values.nats.tls.secretName) }}
{{- fail "nats.tls.verifyWithCaCrt needs nats.tls.secretName (its ca.crt)" }}
{{- end }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "dicomesh.componentName" $ctx }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "dicomesh.labels" $ctx | nindent 4 }}
spec:
  {{- if not $values.autoscaling.enabled }}
  replicas: {{ $values.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "dicomesh.selectorLabels" $ctx | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "dicomesh.labels" $ctx | nindent 8 }}
        {{- with $values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include "dicomesh.configChecksum" $root }}
        {{- with $values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "dicomesh.serviceAccountName" $root }}
      automountServiceAccountToken: {{ $root.Values.serviceAccount.automountToken }}
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ $values.terminationGracePeriodSeconds }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      {{- with $root.Values.image.pullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      containers:
        - name: {{ $component }}
          image: {{ include "dicomesh.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: [{{ $component | quote }}]
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          ports:
            - name: grpc
              containerPort: {{ $values.grpcPort }}
              protocol: TCP
            {{- if $root.Values.metrics.enabled }}
            - name: metrics
              containerPort: {{ $root.Values.metrics.port }}
              protocol: TCP
            {{- end }}
            {{- include (printf "dicomesh.%s.ports" $component) $root | nindent 12 }}
          env:
            - name: DICOMESH_GRPC_PORT
              value: {{ $values.grpcPort | quote }}
            {{- if ne $component "verification" }}
            - name: DICOMESH_DATA_DIR
              value: /var/lib/dicomesh
            {{- end }}
            - name: DICOMESH_SHUTDOWN_GRACE
              value: {{ $values.shutdownGrace | quote }}
            {{- include "dicomesh.telemetryEnv" $ctx | nindent 12 }}
            {{- if $root.Values.trustedCa.secretName }}
            - name: NODE_EXTRA_CA_CERTS
              value: {{ printf "%s/%s" $trustedCaDir $root.Values.trustedCa.key | quote }}
            {{- end }}
            {{- if $natsCreds }}
            - name: DICOMESH_NATS_CREDS_FILE
              value: {{ printf "%s/%s" $natsCredsDir $root.Values.nats.credsKey | quote }}
            {{- end }}
            {{- if $natsNkey }}
            - name: DICOMESH_NATS_NKEY_FILE
              value: {{ printf "%s/%s" $natsNkeyDir $root.Values.nats.nkeyKey | quote }}
            {{- end }}
            {{- if $natsTls }}
            - name: DICOMESH_NATS_TLS_CERT_FILE
              value: {{ printf "%s/tls.crt" $natsTlsDir | quote }}
            - name: DICOMESH_NATS_TLS_KEY_FILE
              value: {{ printf "%s/tls.key" $natsTlsDir | quote }}
            {{- if $root.Values.nats.tls.verifyWithCaCrt }}
            - name: DICOMESH_NATS_TLS_CA_FILE
              value: {{ printf "%s/ca.crt" $natsTlsDir | quote }}
            {{- end }}
            {{- end }}
            {{- include (printf "dicomesh.%s.env" $component) $root | nindent 12 }}
            {{- with $values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- include "dicomesh.probes" $values | nindent 10 }}
          resources:
            {{- toYaml $values.resources | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if $root.Values.trustedCa.secretName }}
            - name: trusted-ca
              mountPath: {{ $trustedCaDir }}
              readOnly: true
            {{- end }}
            {{- if $natsCreds }}
            - name: nats-creds
              mountPath: {{ $natsCredsDir }}
              readOnly: true
            {{- end }}
            {{- if $natsNkey }}
            - name: nats-nkey
              mountPath: {{ $natsNkeyDir }}
              readOnly: true
            {{- end }}
            {{- if $natsTls }}
            - name: nats-tls
              mountPath: {{ $natsTlsDir }}
              readOnly: true
            {{- end }}
            {{- include (printf "dicomesh.%s.volumeMounts" $component) $root | nindent 12 }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $root.Values.tmpSizeLimit }}
        {{- with $root.Values.trustedCa.secretName }}
        - name: trusted-ca
          secret:
            secretName: {{ . }}
        {{- end }}
        {{- if $natsCreds }}
        - name: nats-creds
          secret:
            secretName: {{ $root.Values.nats.credsSecret }}
        {{- end }}
        {{- if $natsNkey }}
        - name: nats-nkey
          secret:
            secretName: {{ $root.Values.nats.nkeySecret }}
        {{- end }}
        {{- if $natsTls }}
        - name: nats-tls
          secret:
            secretName: {{ $root.Values.nats.tls.secretName }}
        {{- end }}
        {{- include (printf "dicomesh.%s.volumes" $component) $root | nindent 8 }}
      {{- with $values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- $affinity := include (printf "dicomesh.%s.affinity" $component) $root | fromYaml }}
      {{- with mustMergeOverwrite (deepCopy $affinity) (deepCopy $values.affinity) }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      topologySpreadConstraints:
        {{- if $values.topologySpreadConstraints }}
        {{- toYaml $values.topologySpreadConstraints | nindent 8 }}
        {{- else }}
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "dicomesh.selectorLabels" $ctx | nindent 14 }}
        {{- end }}
{{- end -}}

{{/* Pods roll when a ConfigMap or Secret they read changes (the AE file, the chart-made database Secret). */}}
{{- define "dicomesh.configChecksum" -}}
{{- list (include "dicomesh.aeFile" .) .Values.database.url | toJson | sha256sum -}}
{{- end -}}

{{- define "dicomesh.aeFile" -}}
{{- if .Values.aeRegistry.entities -}}
{{- range .Values.aeRegistry.entities }}
- aeTitle: {{ .aeTitle | quote }}
  host: {{ .host | quote }}
  port: {{ .port }}
  {{- if .tls }}
  tls: true
  {{- end }}
{{- end }}
{{- else -}}
[]
{{- end -}}
{{- end -}}

{{/* One component's headless Service: the gRPC target of dns:/// resolution (one A record per ready pod). */}}
{{- define "dicomesh.headlessService" -}}
{{- $values := index .root.Values .component -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "dicomesh.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "dicomesh.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  clusterIP: None
  publishNotReadyAddresses: false
  selector:
    {{- include "dicomesh.selectorLabels" . | nindent 4 }}
  ports:
    - name: grpc
      port: {{ $values.grpcPort }}
      targetPort: grpc
      protocol: TCP
      appProtocol: grpc
    {{- if .root.Values.metrics.enabled }}
    - name: metrics
      port: {{ .root.Values.metrics.port }}
      targetPort: metrics
      protocol: TCP
      appProtocol: http
    {{- end }}
{{- end -}}

{{/* One component's HorizontalPodAutoscaler on CPU (the gateway adds open associations). */}}
{{- define "dicomesh.hpa" -}}
{{- $values := index .root.Values .component -}}
{{- if $values.autoscaling.enabled -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "dicomesh.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "dicomesh.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "dicomesh.componentName" . }}
  minReplicas: {{ $values.autoscaling.minReplicas }}
  maxReplicas: {{ $values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $values.autoscaling.targetCPUUtilizationPercentage }}
    {{- with $values.autoscaling.associations }}
    {{- if .enabled }}
    # Open DICOM associations per pod, from the gateway's gauge through a custom metrics adapter.
    - type: Pods
      pods:
        metric:
          name: dicomesh_associations_open
        target:
          type: AverageValue
          averageValue: {{ .averageValue | quote }}
    {{- end }}
    {{- end }}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
      policies:
        - type: Pods
          value: 1
          periodSeconds: 60
{{- end -}}
{{- end -}}

{{/* One component's PodDisruptionBudget. */}}
{{- define "dicomesh.pdb" -}}
{{- $values := index .root.Values .component -}}
{{- if $values.podDisruptionBudget.enabled -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "dicomesh.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "dicomesh.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ $values.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "dicomesh.selectorLabels" . | nindent 6 }}
{{- end -}}
{{- end -}}
