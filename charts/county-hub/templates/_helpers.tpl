{{/*
Shared names, labels and checks of the county-hub chart.
*/}}

{{/* Chart name, truncated to 63 characters (a DNS label). */}}
{{- define "county-hub.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: resource name prefix. "<release>-county-hub", or the release name
when it already contains the chart name. 52 characters at most so that
"<fullname>-backup" plus the CronJob's Job suffix stays a valid name.
*/}}
{{- define "county-hub.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "county-hub-0.1.0" for the helm.sh/chart label. */}}
{{- define "county-hub.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The county, required, e.g. "San Diego". */}}
{{- define "county-hub.county" -}}
{{- required "county is required: set the county this release serves, e.g. --set county=\"San Diego\" or county: in a values file" .Values.county }}
{{- end }}

{{/* The county as a label value, e.g. "san-diego". */}}
{{- define "county-hub.countySlug" -}}
{{- regexReplaceAll "[^a-z0-9]+" (include "county-hub.county" . | lower) "-" | trimAll "-" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the hub's pods (stable across upgrades). */}}
{{- define "county-hub.selectorLabels" -}}
app.kubernetes.io/name: {{ include "county-hub.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of every resource. */}}
{{- define "county-hub.labels" -}}
helm.sh/chart: {{ include "county-hub.chart" . }}
{{ include "county-hub.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: county-hub
county-hub.calaim/county: {{ include "county-hub.countySlug" . }}
{{- end }}

{{/* The image reference: repository@digest or repository:tag. */}}
{{- define "county-hub.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "county-hub.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "county-hub.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Secret names, defaulting to "<fullname>-...". */}}
{{- define "county-hub.serverTlsSecret" -}}
{{- default (printf "%s-server-tls" (include "county-hub.fullname" .)) .Values.tls.serverSecretName }}
{{- end }}
{{- define "county-hub.clientCaSecret" -}}
{{- default (printf "%s-client-ca" (include "county-hub.fullname" .)) .Values.tls.clientCaSecretName }}
{{- end }}
{{- define "county-hub.backupClientSecret" -}}
{{- default (printf "%s-backup-client" (include "county-hub.fullname" .)) .Values.backup.clientSecretName }}
{{- end }}

{{/*
Where hubd writes backups: a folder it creates (and keeps 0700) on the
backup volume when backup.volume.enabled, else on the data volume.
*/}}
{{- define "county-hub.backupDir" -}}
{{- if .Values.backup.volume.enabled }}/backups/hub{{ else }}/data/backups{{ end }}
{{- end }}

{{/* Service names. */}}
{{- define "county-hub.metricsClientSecret" -}}
{{- default (printf "%s-metrics-client" (include "county-hub.fullname" .)) .Values.serviceMonitor.clientSecretName }}
{{- end }}

{{- define "county-hub.grpcService" -}}
{{- printf "%s-grpc" (include "county-hub.fullname" .) }}
{{- end }}
{{- define "county-hub.headlessService" -}}
{{- printf "%s-headless" (include "county-hub.fullname" .) }}
{{- end }}

{{/*
The plans after checks, as YAML (a map plan_id -> plan with adapterProfile
filled in); read it back with fromYaml. Fails with a message naming the plan
when an id, a field or a profile reference is wrong.
*/}}
{{- define "county-hub.plans" -}}
{{- $builtin := .Values.profiles.builtin | default list }}
{{- $out := dict }}
{{- range $id, $plan := .Values.plans }}
{{- if not (regexMatch "^[a-z][a-z0-9_]{1,31}$" $id) }}
{{- fail (printf "plans.%s: a plan_id is 2 to 32 characters of a-z, 0-9 and _, starting with a letter" $id) }}
{{- end }}
{{- if not (kindIs "map" $plan) }}
{{- fail (printf "plans.%s: expected a map with name and dhcsPlanCode (set plans.%s: null to remove a plan)" $id $id) }}
{{- end }}
{{- $name := required (printf "plans.%s.name is required (the plan's display name)" $id) $plan.name }}
{{- $code := required (printf "plans.%s.dhcsPlanCode is required (the plan's DHCS plan code)" $id) $plan.dhcsPlanCode }}
{{- if not (regexMatch "^[A-Za-z0-9]{1,16}$" (toString $code)) }}
{{- fail (printf "plans.%s.dhcsPlanCode: %q must be 1 to 16 characters of A-Za-z0-9" $id (toString $code)) }}
{{- end }}
{{- $profileName := default $id $plan.adapterProfile }}
{{- if not (regexMatch "^[a-z][a-z0-9_]{1,31}$" $profileName) }}
{{- fail (printf "plans.%s.adapterProfile: %q must be 2 to 32 characters of a-z, 0-9 and _" $id $profileName) }}
{{- end }}
{{- if and (not $plan.profile) (not (has $profileName $builtin)) }}
{{- fail (printf "plans.%s: adapter profile %q is neither shipped in the image (profiles.builtin: %s) nor given inline (plans.%s.profile)" $id $profileName (join ", " $builtin) $id) }}
{{- end }}
{{- $_ := set $out $id (dict "name" $name "dhcsPlanCode" (toString $code) "adapterProfile" $profileName "profile" ($plan.profile | default "")) }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/* Inline profiles: adapterProfile -> profile.textproto text, as YAML. */}}
{{- define "county-hub.inlineProfiles" -}}
{{- $plans := include "county-hub.plans" . | fromYaml }}
{{- $out := dict }}
{{- range $id, $plan := $plans }}
{{- if $plan.profile }}
{{- if hasKey $out $plan.adapterProfile }}
{{- fail (printf "plans.%s.profile: another plan already gives profile %q inline; give it once" $id $plan.adapterProfile) }}
{{- end }}
{{- $_ := set $out $plan.adapterProfile $plan.profile }}
{{- end }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/* Fails when replicas is not 0 or 1. */}}
{{- define "county-hub.replicas" -}}
{{- $r := int .Values.replicas }}
{{- if or (lt $r 0) (gt $r 1) }}
{{- fail (printf "replicas: %d is not allowed: a county hub runs exactly one pod (1), or none (0) while restoring" $r) }}
{{- end }}
{{- $r }}
{{- end }}
