{{/* Retrieve (C-MOVE, C-GET): reads the index and storage's data claim, opens associations to remote AEs. */}}
{{- define "dicomesh.retrieve.ports" -}}{{- end -}}

{{- define "dicomesh.retrieve.env" -}}
- name: DICOMESH_AE_TITLE
  value: {{ .Values.aeTitle | quote }}
{{- include "dicomesh.databaseEnv" . }}
{{- include "dicomesh.natsEnv" . }}
{{- include "dicomesh.aeRegistryEnv" . }}
{{- end -}}

{{- define "dicomesh.retrieve.volumes" -}}
- name: data
  persistentVolumeClaim:
    claimName: {{ include "dicomesh.dataClaimName" . }}
    readOnly: true
{{- include "dicomesh.aeRegistryVolume" . }}
{{- end -}}

{{- define "dicomesh.retrieve.volumeMounts" -}}
- name: data
  mountPath: /var/lib/dicomesh
  readOnly: true
{{- include "dicomesh.aeRegistryVolumeMount" . }}
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
