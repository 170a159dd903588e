{{/* Verification (C-ECHO) needs nothing but its gRPC port. */}}
{{- define "dicomesh.verification.ports" -}}{{- end -}}
{{- define "dicomesh.verification.env" -}}{{- end -}}
{{- define "dicomesh.verification.volumes" -}}
- name: data
  emptyDir:
    sizeLimit: 64Mi
{{- end -}}
{{- define "dicomesh.verification.volumeMounts" -}}
- name: data
  mountPath: /var/lib/dicomesh
{{- end -}}
{{- define "dicomesh.verification.affinity" -}}
{}
{{- end -}}
