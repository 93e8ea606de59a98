{{/* Names and labels shared by every template. */}}
{{- define "switchboard.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "switchboard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: switchboard
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: call with (dict "root" $ "component" "ingress"). */}}
{{- define "switchboard.selectorLabels" -}}
app.kubernetes.io/name: switchboard
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "switchboard.secretName" -}}
{{- default (printf "%s-secrets" (include "switchboard.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "switchboard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "switchboard.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "switchboard.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Each component's HTTP port (health, readiness, metrics; the API for ingress and status). */}}
{{- define "switchboard.port" -}}
{{- get (dict "ingress" 8080 "status" 8081 "classifier" 9101 "notifier" 9102 "ticketer" 9103) . -}}
{{- end -}}

{{/* The topic each consumer's lag is measured on (KEDA), with the prefix. */}}
{{- define "switchboard.lagTopic" -}}
{{- $topic := get (dict "classifier" "conv.raw" "notifier" "conv.classified" "ticketer" "conv.classified" "status" "conv.classified") .component -}}
{{- printf "%s%s" .root.Values.kafka.topicPrefix $topic -}}
{{- end -}}

{{/* Consumer group ids of their own per release: two installations must never share a group. */}}
{{- define "switchboard.groupId" -}}
{{- printf "%s-%s" (include "switchboard.fullname" .root) .component -}}
{{- end -}}

{{/* The most replicas a component can be scaled to. */}}
{{- define "switchboard.maxReplicas" -}}
{{- $s := .svc -}}
{{- if $s.keda.enabled -}}{{ $s.autoscaling.maxReplicas }}{{- else if $s.autoscaling.enabled -}}{{ $s.autoscaling.maxReplicas }}{{- else -}}{{ $s.replicas }}{{- end -}}
{{- end -}}

{{- define "switchboard.publicUrl" -}}
{{- if .Values.console.publicUrl -}}
{{- trimSuffix "/" .Values.console.publicUrl -}}/
{{- else if .Values.ingress.enabled -}}
{{- printf "%s://%s/" (ternary "https" "http" (gt (len .Values.ingress.tls) 0)) .Values.ingress.host -}}
{{- else -}}
{{- printf "http://%s-status:8081/" (include "switchboard.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* Kafka's TLS and SASL values, checked together; fails with the value to fix. */}}
{{- define "switchboard.kafkaSecurityCheck" -}}
{{- $k := .Values.kafka -}}
{{- if and $k.sasl.mechanism (not $k.sasl.username) }}{{ fail "kafka.sasl.username is required when kafka.sasl.mechanism is set" }}{{ end }}
{{- if ne (not $k.tls.certKey) (not $k.tls.keyKey) }}{{ fail "kafka.tls.certKey and kafka.tls.keyKey: set both (a client certificate and its key) or neither" }}{{ end }}
{{- if and (or $k.tls.certKey $k.tls.secretName) (not $k.tls.enabled) }}{{ fail "kafka.tls.secretName or certKey is set but kafka.tls.enabled is false" }}{{ end }}
{{- if and $k.tls.certKey (not $k.tls.secretName) }}{{ fail "kafka.tls.certKey needs kafka.tls.secretName (the Secret that holds it)" }}{{ end }}
{{- if and $k.sasl.mechanism .Values.topics.job.enabled (not .Values.secrets.existingSecret) }}{{ fail "kafka.sasl with topics.job.enabled needs secrets.existingSecret: the topics Job runs before the chart's own Secret exists (or set topics.job.enabled=false; the services create missing topics)" }}{{ end }}
{{- end }}

{{/* Where the Kafka TLS Secret is mounted, in every pod that talks to Kafka. */}}
{{- define "switchboard.kafkaTlsDir" -}}/etc/switchboard/kafka-tls{{- end }}

{{- define "switchboard.kafkaTlsVolumeMount" -}}
{{- if and .Values.kafka.tls.enabled .Values.kafka.tls.secretName }}
- { name: kafka-tls, mountPath: {{ include "switchboard.kafkaTlsDir" . }}, readOnly: true }
{{- end }}
{{- end }}

{{- define "switchboard.kafkaTlsVolume" -}}
{{- if and .Values.kafka.tls.enabled .Values.kafka.tls.secretName }}
- name: kafka-tls
  secret: { secretName: {{ .Values.kafka.tls.secretName }}, defaultMode: 0440 }
{{- end }}
{{- end }}

{{/* KAFKA_SASL_PASSWORD from the Secret, when SASL is on. */}}
{{- define "switchboard.kafkaSaslPasswordEnv" -}}
{{- if .Values.kafka.sasl.mechanism }}
- name: KAFKA_SASL_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ include "switchboard.secretName" . }}, key: KAFKA_SASL_PASSWORD } }
{{- end }}
{{- end }}
