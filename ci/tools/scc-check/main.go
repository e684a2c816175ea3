// scc-check: which OpenShift SecurityContextConstraint admits each pod template of a set of
// manifests (DaemonSets, Deployments, StatefulSets, ReplicaSets, Jobs, CronJobs, Pods), or why
// none does. The decision is OpenShift's own SCC admission plugin
// (github.com/openshift/apiserver-library-go sccadmission), fed the pod as the API server would:
// v1 defaults applied, converted to the internal type, after Kubernetes' ServiceAccount admission,
// with Kubernetes' RBAC authorizer over the given Roles and bindings answering `use` on an SCC.
//
//	scc-check -cluster sccs.yaml [-o json] [manifests.yaml ... | < manifests.yaml]
//
// -cluster files hold the cluster's SCCs and RBAC; the manifests add the workloads, their
// ServiceAccounts and RBAC. Namespaces that are not given get the SCC annotations OpenShift's
// namespace controller allocates. Exit status: 0 all admitted, 1 a pod refused, 2 bad input.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	securityv1 "github.com/openshift/api/security/v1"
	"github.com/openshift/apiserver-library-go/pkg/securitycontextconstraints/sccadmission"
	securityfake "github.com/openshift/client-go/security/clientset/versioned/fake"
	securityinformers "github.com/openshift/client-go/security/informers/externalversions"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/authentication/serviceaccount"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/apis/core"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	saadmission "k8s.io/kubernetes/plugin/pkg/admission/serviceaccount"
	"k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac"
)

// Namespace annotations in the format OpenShift's namespace SCC allocation controller writes;
// the values are one block of 10000 IDs as that controller hands them out.
var namespaceAllocation = map[string]string{
	securityv1.UIDRangeAnnotation:           "1000680000/10000",
	securityv1.SupplementalGroupsAnnotation: "1000680000/10000",
	securityv1.MCSAnnotation:                "s0:c26,c15",
}

// The kube-controller-manager identity that creates each workload kind's pods.
var podCreator = map[string]string{
	"DaemonSet":   "daemon-set-controller",
	"Deployment":  "replicaset-controller",
	"ReplicaSet":  "replicaset-controller",
	"StatefulSet": "statefulset-controller",
	"Job":         "job-controller",
	"CronJob":     "job-controller",
}

type template struct {
	kind, namespace, name string
	meta                  metav1.ObjectMeta
	spec                  corev1.PodSpec
}

type result struct {
	Kind           string `json:"kind"`
	Namespace      string `json:"namespace"`
	Name           string `json:"name"`
	ServiceAccount string `json:"serviceAccount"`
	RequestedBy    string `json:"requestedBy"`
	SCC            string `json:"scc,omitempty"`
	Error          string `json:"error,omitempty"`
}

type inputs struct {
	security   []*securityv1.SecurityContextConstraints
	kube       []runtime.Object
	templates  []template
	namespaces map[string]*corev1.Namespace
	accounts   map[string]bool
}

type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

func main() {
	var clusterFiles fileList
	flag.Var(&clusterFiles, "cluster", "file of the cluster's SCCs and RBAC (repeatable)")
	output := flag.String("o", "text", "output: text or json")
	flag.Parse()
	if len(clusterFiles) == 0 || (*output != "text" && *output != "json") {
		flag.Usage()
		os.Exit(2)
	}

	in := &inputs{namespaces: map[string]*corev1.Namespace{}, accounts: map[string]bool{}}
	for _, f := range clusterFiles {
		if err := in.readFile(f); err != nil {
			fail(err)
		}
	}
	if flag.NArg() == 0 {
		if err := in.read("stdin", os.Stdin); err != nil {
			fail(err)
		}
	}
	for _, f := range flag.Args() {
		if err := in.readFile(f); err != nil {
			fail(err)
		}
	}

	results, err := check(in)
	if err != nil {
		fail(err)
	}
	refused := 0
	for _, r := range results {
		if r.Error != "" {
			refused++
		}
	}
	if *output == "json" {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			fail(err)
		}
	} else {
		for _, r := range results {
			who := fmt.Sprintf("%s %s/%s (serviceaccount %s, created by %s)", r.Kind, r.Namespace, r.Name, r.ServiceAccount, r.RequestedBy)
			if r.Error != "" {
				fmt.Printf("REFUSED  %s: %s\n", who, r.Error)
			} else {
				fmt.Printf("admitted %s: scc %s\n", who, r.SCC)
			}
		}
	}
	if refused > 0 {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "scc-check:", err)
	os.Exit(2)
}

var scheme = runtime.NewScheme()
var decoder runtime.Decoder

func init() {
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, securityv1.Install} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	decoder = serializer.NewCodecFactory(scheme).UniversalDeserializer()
}

func (in *inputs) readFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return in.read(path, f)
}

func (in *inputs) read(source string, r io.Reader) error {
	docs := utilyaml.NewYAMLOrJSONDecoder(r, 4096)
	for i := 1; ; i++ {
		var raw runtime.RawExtension
		if err := docs.Decode(&raw); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("%s: document %d: %w", source, i, err)
		}
		raw.Raw = bytes.TrimSpace(raw.Raw)
		if len(raw.Raw) == 0 || bytes.Equal(raw.Raw, []byte("null")) {
			continue
		}
		obj, _, err := decoder.Decode(raw.Raw, nil, nil)
		if runtime.IsNotRegisteredError(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: document %d: %w", source, i, err)
		}
		in.add(obj)
	}
}

func (in *inputs) add(obj runtime.Object) {
	switch o := obj.(type) {
	case *securityv1.SecurityContextConstraints:
		in.security = append(in.security, o)
	case *rbacv1.Role, *rbacv1.RoleBinding, *rbacv1.ClusterRole, *rbacv1.ClusterRoleBinding:
		in.kube = append(in.kube, o)
	case *corev1.ServiceAccount:
		in.accounts[o.Namespace+"/"+o.Name] = true
		in.kube = append(in.kube, o)
	case *corev1.Namespace:
		in.namespaces[o.Name] = o
	case *corev1.Pod:
		in.addTemplate("Pod", o.ObjectMeta, o.ObjectMeta, o.Spec)
	case *appsv1.DaemonSet:
		in.addTemplate("DaemonSet", o.ObjectMeta, o.Spec.Template.ObjectMeta, o.Spec.Template.Spec)
	case *appsv1.Deployment:
		in.addTemplate("Deployment", o.ObjectMeta, o.Spec.Template.ObjectMeta, o.Spec.Template.Spec)
	case *appsv1.ReplicaSet:
		in.addTemplate("ReplicaSet", o.ObjectMeta, o.Spec.Template.ObjectMeta, o.Spec.Template.Spec)
	case *appsv1.StatefulSet:
		in.addTemplate("StatefulSet", o.ObjectMeta, o.Spec.Template.ObjectMeta, o.Spec.Template.Spec)
	case *batchv1.Job:
		in.addTemplate("Job", o.ObjectMeta, o.Spec.Template.ObjectMeta, o.Spec.Template.Spec)
	case *batchv1.CronJob:
		in.addTemplate("CronJob", o.ObjectMeta, o.Spec.JobTemplate.Spec.Template.ObjectMeta, o.Spec.JobTemplate.Spec.Template.Spec)
	}
}

func (in *inputs) addTemplate(kind string, owner, meta metav1.ObjectMeta, spec corev1.PodSpec) {
	namespace := owner.Namespace
	if namespace == "" {
		namespace = metav1.NamespaceDefault
	}
	in.templates = append(in.templates, template{kind: kind, namespace: namespace, name: owner.Name, meta: meta, spec: spec})
}

// Objects every namespace of a cluster has: itself, allocated, and its `default` ServiceAccount.
func (in *inputs) clusterNamespaces() []runtime.Object {
	var objs []runtime.Object
	seen := map[string]bool{}
	for _, t := range in.templates {
		if seen[t.namespace] {
			continue
		}
		seen[t.namespace] = true
		ns := in.namespaces[t.namespace]
		if ns == nil {
			ns = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: t.namespace}}
		}
		ns = ns.DeepCopy()
		if ns.Annotations == nil {
			ns.Annotations = map[string]string{}
		}
		for k, v := range namespaceAllocation {
			if _, set := ns.Annotations[k]; !set {
				ns.Annotations[k] = v
			}
		}
		objs = append(objs, ns)
		if !in.accounts[t.namespace+"/default"] {
			objs = append(objs, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: t.namespace, Name: "default"}})
		}
	}
	return objs
}

type plugin interface {
	admission.MutationInterface
	admission.ValidationInterface
}

func check(in *inputs) ([]result, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	kubeClient := kubefake.NewClientset(append(in.kube, in.clusterNamespaces()...)...)
	kubeInformers := informers.NewSharedInformerFactory(kubeClient, 0)
	securityClient := securityfake.NewSimpleClientset()
	for _, obj := range in.security {
		// Created through the typed client: the fake's tracker would guess the resource name wrong.
		if _, err := securityClient.SecurityV1().SecurityContextConstraints().Create(ctx, obj, metav1.CreateOptions{}); err != nil {
			return nil, err
		}
	}
	securityInformers := securityinformers.NewSharedInformerFactory(securityClient, 0)
	rbacInformers := kubeInformers.Rbac().V1()
	authorizer := rbac.New(
		&rbac.RoleGetter{Lister: rbacInformers.Roles().Lister()},
		&rbac.RoleBindingLister{Lister: rbacInformers.RoleBindings().Lister()},
		&rbac.ClusterRoleGetter{Lister: rbacInformers.ClusterRoles().Lister()},
		&rbac.ClusterRoleBindingLister{Lister: rbacInformers.ClusterRoleBindings().Lister()},
	)

	serviceAccounts := saadmission.NewServiceAccount()
	serviceAccounts.SetExternalKubeClientSet(kubeClient)
	serviceAccounts.SetExternalKubeInformerFactory(kubeInformers)
	scc := sccadmission.NewConstraint()
	scc.SetSecurityInformers(securityInformers.Security().V1().SecurityContextConstraints())
	scc.SetExternalKubeInformerFactory(kubeInformers)
	scc.SetAuthorizer(authorizer)
	for _, p := range []admission.InitializationValidator{serviceAccounts, scc} {
		if err := p.ValidateInitialization(); err != nil {
			return nil, err
		}
	}
	kubeInformers.Start(ctx.Done())
	securityInformers.Start(ctx.Done())
	kubeInformers.WaitForCacheSync(ctx.Done())
	securityInformers.WaitForCacheSync(ctx.Done())

	chain := []plugin{serviceAccounts, scc}
	results := []result{}
	for _, t := range in.templates {
		pod, err := apiServerPod(t)
		if err != nil {
			return nil, fmt.Errorf("%s %s/%s: %w", t.kind, t.namespace, t.name, err)
		}
		requester, requestedBy := creator(t)
		attrs := admission.NewAttributesRecord(pod, nil, core.Kind("Pod").WithVersion(""), t.namespace, pod.Name,
			core.Resource("pods").WithVersion(""), "", admission.Create, &metav1.CreateOptions{}, false, requester)
		err = admit(ctx, chain, attrs)
		r := result{Kind: t.kind, Namespace: t.namespace, Name: t.name, ServiceAccount: pod.Spec.ServiceAccountName, RequestedBy: requestedBy}
		if err != nil {
			r.Error = err.Error()
		} else {
			r.SCC = pod.Annotations[securityv1.ValidatedSCCAnnotation]
		}
		results = append(results, r)
	}
	return results, nil
}

// The pod a controller (or client) sends for this template, as the API server has it at
// admission: v1 defaults applied, converted to the internal version.
func apiServerPod(t template) (*core.Pod, error) {
	v1pod := &corev1.Pod{ObjectMeta: *t.meta.DeepCopy(), Spec: *t.spec.DeepCopy()}
	v1pod.Namespace = t.namespace
	if t.kind != "Pod" {
		v1pod.Name = ""
		v1pod.GenerateName = t.name + "-"
	}
	legacyscheme.Scheme.Default(v1pod)
	pod := &core.Pod{}
	if err := legacyscheme.Scheme.Convert(v1pod, pod, nil); err != nil {
		return nil, err
	}
	return pod, nil
}

func creator(t template) (user.Info, string) {
	if controller, ok := podCreator[t.kind]; ok {
		sa := serviceaccount.UserInfo(metav1.NamespaceSystem, controller, "").(*user.DefaultInfo)
		sa.Groups = append(sa.Groups, user.AllAuthenticated)
		return sa, sa.Name
	}
	return &user.DefaultInfo{Name: "scc-check:client", Groups: []string{user.AllAuthenticated}},
		"an authenticated client without SCC grants of its own"
}

// The admission phases of a create: every mutating plugin in order, then every validating one.
func admit(ctx context.Context, chain []plugin, attrs admission.Attributes) error {
	for _, p := range chain {
		if p.Handles(admission.Create) {
			if err := p.Admit(ctx, attrs, nil); err != nil {
				return err
			}
		}
	}
	for _, p := range chain {
		if p.Handles(admission.Create) {
			if err := p.Validate(ctx, attrs, nil); err != nil {
				return err
			}
		}
	}
	return nil
}
