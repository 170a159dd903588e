{{/* The gateway's own pieces of the shared Deployment template. */}}

{{- define "dicomesh.gateway.ports" -}}
- name: dicom
  containerPort: {{ .Values.gateway.dicomPort }}
  protocol: TCP
{{- if .Values.gateway.tls.enabled }}
- name: dicom-tls
  containerPort: {{ .Values.gateway.tls.containerPort }}
  protocol: TCP
{{- end }}
{{- end -}}

{{- define "dicomesh.gateway.env" -}}
{{- $g := .Values.gateway -}}
- name: DICOMESH_DICOM_PORT
  value: {{ $g.dicomPort | quote }}
- name: DICOMESH_AE_TITLE
  value: {{ .Values.aeTitle | quote }}
{{- with $g.allowedCallingAeTitles }}
- name: DICOMESH_ALLOWED_CALLING_AE_TITLES
  value: {{ join "," . | quote }}
{{- end }}
- name: DICOMESH_MAX_ASSOCIATIONS
  value: {{ $g.maxAssociations | quote }}
- name: DICOMESH_MAX_PDU_LENGTH
  value: {{ $g.maxPduLength | int | quote }}
- name: DICOMESH_ARTIM_TIMEOUT
  value: {{ $g.artimTimeout | quote }}
- name: DICOMESH_IDLE_TIMEOUT
  value: {{ $g.idleTimeout | quote }}
- name: DICOMESH_DIMSE_TIMEOUT
  value: {{ $g.dimseTimeout | quote }}
- name: DICOMESH_ACCEPT_UNKNOWN_SOP_CLASSES
  value: {{ $g.acceptUnknownSopClasses | quote }}
{{- range $component := list "verification" "storage" "query" "retrieve" }}
- name: {{ printf "DICOMESH_%s_URL" (upper $component) }}
  value: {{ include "dicomesh.grpcTarget" (dict "root" $ "component" $component) | quote }}
{{- end }}
{{- include "dicomesh.natsEnv" . }}
{{- include "dicomesh.aeRegistryEnv" . }}
{{- if $g.tls.enabled }}
- name: DICOMESH_TLS_PORT
  value: {{ $g.tls.containerPort | quote }}
- name: DICOMESH_TLS_CERT_FILE
  value: /etc/dicomesh/tls/tls.crt
- name: DICOMESH_TLS_KEY_FILE
  value: /etc/dicomesh/tls/tls.key
{{- if $g.tls.requireClientCertificate }}
- name: DICOMESH_TLS_CA_FILE
  value: /etc/dicomesh/tls/ca.crt
- name: DICOMESH_TLS_REQUIRE_CLIENT_CERT
  value: "true"
{{- end }}
{{- end }}
{{- end -}}

{{- define "dicomesh.gateway.volumes" -}}
- name: data
  emptyDir:
    sizeLimit: 64Mi
{{- include "dicomesh.aeRegistryVolume" . }}
{{- if .Values.gateway.tls.enabled }}
- name: tls
  secret:
    secretName: {{ required "gateway.tls.secretName is required when gateway.tls.enabled is true" .Values.gateway.tls.secretName }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{- define "dicomesh.gateway.volumeMounts" -}}
- name: data
  mountPath: /var/lib/dicomesh
{{- include "dicomesh.aeRegistryVolumeMount" . }}
{{- if .Values.gateway.tls.enabled }}
- name: tls
  mountPath: /etc/dicomesh/tls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "dicomesh.gateway.affinity" -}}
{}
{{- end -}}
