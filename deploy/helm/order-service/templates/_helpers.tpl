{{/* Names and labels shared by every object. */}}
{{- define "order-service.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "order-service.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: call with (dict "root" $ "component" "api"). */}}
{{- define "order-service.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* An image reference: the digest wins over the tag. Call with one of .Values.image.*. */}}
{{- define "order-service.image" -}}
{{- if .digest -}}
{{ .repository }}@{{ .digest }}
{{- else -}}
{{ .repository }}:{{ .tag }}
{{- end -}}
{{- end -}}

{{/* The container security context every container gets. */}}
{{- define "order-service.containerSecurity" -}}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The pod security context, for the image's own unprivileged user: call with the uid. */}}
{{- define "order-service.podSecurity" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Spread over the given topology keys: call with (dict "root" $ "component" "api" "spread" .Values.api.topologySpread). */}}
{{- define "order-service.topologySpread" -}}
{{- if .spread.enabled -}}
topologySpreadConstraints:
{{- range .spread.topologyKeys }}
  - topologyKey: {{ . }}
    maxSkew: {{ $.spread.maxSkew }}
    whenUnsatisfiable: {{ $.spread.whenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "order-service.selector" (dict "root" $.root "component" $.component) | nindent 8 }}
    matchLabelKeys: [pod-template-hash]
{{- end }}
{{- end }}
{{- end -}}

{{/* Seconds Kubernetes waits after SIGTERM: the program's own deadline, plus the margin. */}}
{{- define "order-service.grace" -}}
{{- add (div (add .ms 999) 1000) .extra .root.Values.terminationGraceMarginSeconds -}}
{{- end -}}

{{/* The Secret's key for one variable, as a container env entry. */}}
{{- define "order-service.secretEnv" -}}
- name: {{ .key }}
  valueFrom:
    secretKeyRef: { name: {{ .root.Values.existingSecret }}, key: {{ .key }}{{ if .optional }}, optional: true{{ end }} }
{{- end -}}

{{/* kafka-topics.sh --config arguments from kafka.topicConfig. */}}
{{- define "order-service.topicConfigArgs" -}}
{{- $args := list -}}
{{- range $key, $value := .Values.kafka.topicConfig -}}
{{- $args = append $args (printf "--config %s=%v" $key $value) -}}
{{- end -}}
{{- join " " $args -}}
{{- end -}}
