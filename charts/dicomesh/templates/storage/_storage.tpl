{{/* Storage: blobs on the data claim, rows in the index, events through the outbox to NATS. */}}
{{- define "dicomesh.storage.ports" -}}{{- end -}}

{{- define "dicomesh.storage.env" -}}
{{- include "dicomesh.databaseEnv" . }}
{{- include "dicomesh.natsEnv" . }}
- name: DICOMESH_STORE_DUPLICATES
  value: {{ .Values.storage.duplicates | quote }}
- name: DICOMESH_ACCEPT_UNKNOWN_SOP_CLASSES
  value: {{ .Values.storage.acceptUnknownSopClasses | quote }}
{{- end -}}

{{- define "dicomesh.storage.volumes" -}}
- name: data
  persistentVolumeClaim:
    claimName: {{ include "dicomesh.dataClaimName" . }}
{{- end -}}

{{- define "dicomesh.storage.volumeMounts" -}}
- name: data
  mountPath: /var/lib/dicomesh
{{- end -}}

{{- define "dicomesh.storage.affinity" -}}
{}
{{- end -}}
