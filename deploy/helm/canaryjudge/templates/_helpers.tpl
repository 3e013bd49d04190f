{{/* The chart name, or nameOverride. */}}
{{- define "canaryjudge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Resource names: fullnameOverride, else the release name when it
contains the chart name, else release-chart. */}}
{{- define "canaryjudge.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The labels that select the pods: the Deployment's selector, the
Service's, the PodDisruptionBudget's and the topology spread's. */}}
{{- define "canaryjudge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "canaryjudge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "canaryjudge.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "canaryjudge.selectorLabels" . }}
app.kubernetes.io/version: {{ include "canaryjudge.tag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: canaryjudge
{{- end }}

{{/* The image tag: image.tag or the appVersion; a moving tag is refused. */}}
{{- define "canaryjudge.tag" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if eq $tag "latest" }}
{{- fail "image.tag: latest is a moving tag; name a version (the chart's appVersion is the default)" }}
{{- end }}
{{- $tag }}
{{- end }}

{{- define "canaryjudge.image" -}}
{{- printf "%s:%s" .Values.image.repository (include "canaryjudge.tag" .) }}
{{- end }}

{{- define "canaryjudge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "canaryjudge.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret and key holding DATABASE_URL. */}}
{{- define "canaryjudge.databaseSecretName" -}}
{{- if .Values.database.url }}
{{- printf "%s-database" (include "canaryjudge.fullname" .) }}
{{- else }}
{{- required "database.existingSecret.name: name the Secret holding the PostgreSQL URL, or set database.url, or database.inMemory=true" .Values.database.existingSecret.name }}
{{- end }}
{{- end }}

{{- define "canaryjudge.databaseSecretKey" -}}
{{- if .Values.database.url }}url{{ else }}{{ .Values.database.existingSecret.key }}{{ end }}
{{- end }}

{{/* The Secret and key holding CANARYJUDGE_ADMIN_TOKEN. */}}
{{- define "canaryjudge.adminTokenSecretName" -}}
{{- default (printf "%s-admin-token" (include "canaryjudge.fullname" .)) .Values.auth.adminToken.existingSecret.name }}
{{- end }}

{{- define "canaryjudge.adminTokenSecretKey" -}}
{{- if .Values.auth.adminToken.existingSecret.name }}{{ .Values.auth.adminToken.existingSecret.key }}{{ else }}token{{ end }}
{{- end }}

{{/* canaryjudge's address inside the cluster. */}}
{{- define "canaryjudge.address" -}}
{{- printf "http://%s.%s:%d" (include "canaryjudge.fullname" .) .Release.Namespace (int .Values.service.port) }}
{{- end }}

{{/* Refuses value combinations that would deploy something broken. */}}
{{- define "canaryjudge.validate" -}}
{{- if and .Values.database.inMemory (gt (int .Values.replicaCount) 1) }}
{{- fail "database.inMemory: each replica would keep its own releases and decisions; set replicaCount=1 (or use PostgreSQL)" }}
{{- end }}
{{- if and .Values.database.inMemory .Values.database.url }}
{{- fail "database.inMemory and database.url: choose one" }}
{{- end }}
{{- $stop := add .Values.server.preStopSleepSeconds .Values.server.shutdownTimeoutSeconds }}
{{- if le (int .Values.terminationGracePeriodSeconds) (int $stop) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be longer than server.preStopSleepSeconds + server.shutdownTimeoutSeconds (%d), or in-flight requests are killed" (int .Values.terminationGracePeriodSeconds) (int $stop)) }}
{{- end }}
{{- end }}
