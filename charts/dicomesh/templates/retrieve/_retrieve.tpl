{{/* Retrieve (C-MOVE, C-GET): reads the index and storage's data claim, opens associations to remote AEs. */}}
{{- define "dicomesh.retrieve.ports" -}}{{- end -}}

{{- define "dicomesh.retrieve.env" -}}
- name: DICOMESH_AE_TITLE
  value: {{ .Values.aeTitle | quote }}
{{- include "dicomesh.databaseEnv" . }}
{{- include "dicomesh.natsEnv" . }}
{{- include "dicomesh.aeRegistryEnv" . }}
- name: DICOMESH_DIMSE_TIMEOUT
  value: {{ .Values.retrieve.subOperationTimeout | quote }}
{{- with .Values.retrieve.destinationTls }}
{{- if .secretName }}
- name: DICOMESH_MOVE_TLS_CERT_FILE
  value: /etc/dicomesh/move-tls/tls.crt
- name: DICOMESH_MOVE_TLS_KEY_FILE
  value: /etc/dicomesh/move-tls/tls.key
{{- if .verifyWithCaCrt }}
- name: DICOMESH_MOVE_TLS_CA_FILE
  value: /etc/dicomesh/move-tls/ca.crt
{{- end }}
{{- else if .verifyWithCaCrt }}
{{- fail "retrieve.destinationTls.verifyWithCaCrt needs retrieve.destinationTls.secretName (its ca.crt)" }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "dicomesh.retrieve.volumes" -}}
- name: data
  persistentVolumeClaim:
    claimName: {{ include "dicomesh.dataClaimName" . }}
    readOnly: true
{{- include "dicomesh.aeRegistryVolume" . }}
{{- if .Values.retrieve.destinationTls.secretName }}
- name: move-tls
  secret:
    secretName: {{ .Values.retrieve.destinationTls.secretName }}
{{- end }}
{{- end -}}

{{- define "dicomesh.retrieve.volumeMounts" -}}
- name: data
  mountPath: /var/lib/dicomesh
  readOnly: true
{{- include "dicomesh.aeRegistryVolumeMount" . }}
{{- if .Values.retrieve.destinationTls.secretName }}
- name: move-tls
  mountPath: /etc/dicomesh/move-tls
  readOnly: true
{{- end }}
{{- end -}}

{{/* A ReadWriteOnce claim is attachable on one node only: retrieve then runs next to storage. */}}
{{- define "dicomesh.retrieve.affinity" -}}
{{- if eq (include "dicomesh.dataAccessMode" .) "ReadWriteOnce" }}
podAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: kubernetes.io/hostname
      labelSelector:
        matchLabels:
          {{- include "dicomesh.selectorLabels" (dict "root" . "component" "storage") | nindent 10 }}
{{- else }}
{}
{{- end }}
{{- end -}}
