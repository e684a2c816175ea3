{{- /*
spec.tolerations of the KMM Modules (moduleTolerations). KMM >= 2.3 has the field; KMM 2.2's CRD
does not, and the API server prunes it there (with a warning) or refuses the Module under strict
field validation (kubectl apply, Argo CD's server-side apply).
*/ -}}

{{- /*
The KMM Module CRD the cluster serves, as JSON: "{}" when it is not installed, and without a
cluster to ask (helm template, client-side dry run, Argo CD). The render tests replace this one
template to stand for a cluster.
*/ -}}
{{- define "onload.kmmModuleCrd" -}}
{{- lookup "apiextensions.k8s.io/v1" "CustomResourceDefinition" "" "modules.kmm.sigs.x-k8s.io" | toJson -}}
{{- end -}}

{{- /* "true" when a Module CRD (a CustomResourceDefinition object) serves v1beta1 with spec.tolerations. */ -}}
{{- define "onload.crdServesModuleTolerations" -}}
{{- range dig "spec" "versions" list . -}}
{{- if and (eq .name "v1beta1") .served (dig "schema" "openAPIV3Schema" "properties" "spec" "properties" "tolerations" "" .) -}}
true
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* "true" when the Modules get spec.tolerations (moduleTolerations.mode, values.yaml says how auto decides). */ -}}
{{- define "onload.moduleTolerationsOn" -}}
{{- $mode := .Values.moduleTolerations.mode -}}
{{- if eq $mode "always" -}}
true
{{- else if eq $mode "auto" -}}
{{- $crd := include "onload.kmmModuleCrd" . | fromJson -}}
{{- if $crd -}}
{{- include "onload.crdServesModuleTolerations" $crd -}}
{{- else if .Values.tolerations -}}
true
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* The Modules' spec.tolerations as a JSON list ([] when they get none). */ -}}
{{- define "onload.moduleTolerations" -}}
{{- if include "onload.moduleTolerationsOn" . -}}
{{- concat (.Values.moduleTolerations.defaults | default list) (.Values.tolerations | default list) | uniq | toJson -}}
{{- else -}}
[]
{{- end -}}
{{- end -}}
