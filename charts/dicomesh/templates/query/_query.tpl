{{/* Query (C-FIND): reads the index only. */}}
{{- define "dicomesh.query.ports" -}}{{- end -}}

{{- define "dicomesh.query.env" -}}
{{- include "dicomesh.databaseEnv" . }}
- name: DICOMESH_QUERY_MAX_MATCHES
  value: {{ .Values.query.maxMatches | int | quote }}
- name: DICOMESH_QUERY_PN_CASE_INSENSITIVE
  value: {{ .Values.query.personNameCaseInsensitive | quote }}
- name: DICOMESH_QUERY_RETRIEVE_AE_TITLE
  value: {{ .Values.aeTitle | quote }}
{{- end -}}

{{- define "dicomesh.query.volumes" -}}
- name: data
  emptyDir:
    sizeLimit: 64Mi
{{- end -}}

{{- define "dicomesh.query.volumeMounts" -}}
- name: data
  mountPath: /var/lib/dicomesh
{{- end -}}

{{- define "dicomesh.query.affinity" -}}
{}
{{- end -}}
