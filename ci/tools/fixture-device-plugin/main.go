// fixture-device-plugin stands for the Onload device plugin on the test bed's real node, where no
// Solarflare NIC or Onload driver exists. It serves the kubelet's device plugin API (v1beta1) as
// the Onload device plugin does: it offers amd.com/onload to the kubelet, lists -count
// healthy devices, and answers Allocate with what the Onload device plugin gives a container
// (its pkg/deviceplugin): every file of <host-onload>/usr/lib64 bind-mounted read-only under
// <base>/usr/lib64, LD_PRELOAD naming libonload.so there, and the Onload device nodes (here
// -device-source stands in for /dev/onload, /dev/onload_epoll and /dev/sfc_char).
// Two differences from the Onload device plugin: it registers through the kubelet's plugin watcher
// (<kubelet root>/plugins_registry) rather than /var/lib/kubelet/device-plugins/kubelet.sock, a
// path every kubelet on a machine shares whatever its --root-dir (the bed runs two real nodes);
// and -driver-version-file mounts a host file at /run/onload-fixture/driver-version and names it
// in ONLOAD_DRIVER_VERSION_FILE, where the helm test reads the loaded driver's version (on a real
// node: /sys/module/onload/version, which only the onload module itself can create).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"google.golang.org/grpc"
	pluginapi "k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1"
	registerapi "k8s.io/kubelet/pkg/apis/pluginregistration/v1"
)

type plugin struct {
	pluginapi.UnimplementedDevicePluginServer
	devices  []*pluginapi.Device
	response *pluginapi.ContainerAllocateResponse
}

func (p *plugin) GetDevicePluginOptions(context.Context, *pluginapi.Empty) (*pluginapi.DevicePluginOptions, error) {
	return &pluginapi.DevicePluginOptions{}, nil
}

func (p *plugin) ListAndWatch(_ *pluginapi.Empty, stream pluginapi.DevicePlugin_ListAndWatchServer) error {
	if err := stream.Send(&pluginapi.ListAndWatchResponse{Devices: p.devices}); err != nil {
		return err
	}
	<-stream.Context().Done()
	return nil
}

func (p *plugin) Allocate(_ context.Context, req *pluginapi.AllocateRequest) (*pluginapi.AllocateResponse, error) {
	out := &pluginapi.AllocateResponse{}
	for range req.ContainerRequests {
		out.ContainerResponses = append(out.ContainerResponses, p.response)
	}
	log.Printf("allocated %d container(s)", len(req.ContainerRequests))
	return out, nil
}

func (p *plugin) PreStartContainer(context.Context, *pluginapi.PreStartContainerRequest) (*pluginapi.PreStartContainerResponse, error) {
	return &pluginapi.PreStartContainerResponse{}, nil
}

const fixtureVersionPath = "/run/onload-fixture/driver-version"

func allocation(hostOnload, base, deviceSource, driverVersionFile string) (*pluginapi.ContainerAllocateResponse, error) {
	libDir := filepath.Join(hostOnload, "usr", "lib64")
	entries, err := os.ReadDir(libDir)
	if err != nil {
		return nil, fmt.Errorf("reading the userland at %s: %w", libDir, err)
	}
	r := &pluginapi.ContainerAllocateResponse{Envs: map[string]string{}}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		r.Mounts = append(r.Mounts, &pluginapi.Mount{
			HostPath:      filepath.Join(libDir, e.Name()),
			ContainerPath: filepath.Join(base, "usr", "lib64", e.Name()),
			ReadOnly:      true,
		})
	}
	r.Envs["LD_PRELOAD"] = filepath.Join(base, "usr", "lib64", "libonload.so")
	for _, name := range []string{"/dev/onload", "/dev/onload_epoll", "/dev/sfc_char"} {
		r.Devices = append(r.Devices, &pluginapi.DeviceSpec{HostPath: deviceSource, ContainerPath: name, Permissions: "rw"})
	}
	if driverVersionFile != "" {
		r.Mounts = append(r.Mounts, &pluginapi.Mount{HostPath: driverVersionFile, ContainerPath: fixtureVersionPath, ReadOnly: true})
		r.Envs["ONLOAD_DRIVER_VERSION_FILE"] = fixtureVersionPath
	}
	return r, nil
}

func main() {
	kubeletRoot := flag.String("kubelet-root", "/var/lib/kubelet", "the kubelet's --root-dir")
	resource := flag.String("resource", "amd.com/onload", "the extended resource to advertise")
	count := flag.Int("count", 4, "how many devices to advertise")
	hostOnload := flag.String("host-onload", "/opt/onload", "where the userland is on the host (devicePlugin.hostOnloadPath)")
	base := flag.String("base", "/opt/onload", "the container mount prefix (baseMountPath)")
	deviceSource := flag.String("device-source", "/dev/null", "the host device node standing for the Onload devices")
	driverVersionFile := flag.String("driver-version-file", "", "a host file holding the fixture driver's version")
	flag.Parse()

	response, err := allocation(*hostOnload, *base, *deviceSource, *driverVersionFile)
	if err != nil {
		log.Fatal(err)
	}
	p := &plugin{response: response}
	for i := 0; i < *count; i++ {
		p.devices = append(p.devices, &pluginapi.Device{ID: fmt.Sprintf("onload-%d", i), Health: pluginapi.Healthy})
	}

	// The device plugin API is served on a socket of its own; the kubelet learns of it through its
	// plugin watcher (<kubelet root>/plugins_registry), as it does for DRA and CSI plugins.
	socketDir := filepath.Join(*kubeletRoot, "plugins", "fixture-onload")
	if err := os.MkdirAll(socketDir, 0o755); err != nil {
		log.Fatal(err)
	}
	socket := filepath.Join(socketDir, "device-plugin.sock")
	registration := filepath.Join(*kubeletRoot, "plugins_registry", "fixture-onload-reg.sock")
	server := serve(socket, func(s *grpc.Server) { pluginapi.RegisterDevicePluginServer(s, p) })
	registrar := serve(registration, func(s *grpc.Server) {
		registerapi.RegisterRegistrationServer(s, &registrationServer{resource: *resource, endpoint: socket})
	})
	log.Printf("serving %s (%d devices) at %s; registration at %s", *resource, *count, socket, registration)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	registrar.Stop()
	server.Stop()
	_ = os.Remove(registration)
	_ = os.Remove(socket)
}

func serve(socket string, register func(*grpc.Server)) *grpc.Server {
	_ = os.Remove(socket)
	listener, err := net.Listen("unix", socket)
	if err != nil {
		log.Fatalf("listening on %s: %v", socket, err)
	}
	server := grpc.NewServer()
	register(server)
	go func() {
		if err := server.Serve(listener); err != nil {
			log.Fatalf("serving %s: %v", socket, err)
		}
	}()
	return server
}

// registrationServer answers the kubelet's plugin watcher: a device plugin for -resource.
type registrationServer struct {
	registerapi.UnimplementedRegistrationServer
	resource string
	endpoint string
}

func (r *registrationServer) GetInfo(context.Context, *registerapi.InfoRequest) (*registerapi.PluginInfo, error) {
	return &registerapi.PluginInfo{
		Type:              registerapi.DevicePlugin,
		Name:              r.resource,
		Endpoint:          r.endpoint,
		SupportedVersions: []string{pluginapi.Version},
	}, nil
}

func (r *registrationServer) NotifyRegistrationStatus(_ context.Context, status *registerapi.RegistrationStatus) (*registerapi.RegistrationStatusResponse, error) {
	if !status.PluginRegistered {
		log.Printf("the kubelet refused the registration: %s", status.Error)
	} else {
		log.Printf("registered with the kubelet")
	}
	return &registerapi.RegistrationStatusResponse{}, nil
}
