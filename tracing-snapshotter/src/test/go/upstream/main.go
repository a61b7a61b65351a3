// Command upstream serves containerd's own snapshotter code (snapshots/native or snapshots/overlay)
// as a proxy snapshotter, the way stargz, nydus and overlaybd serve theirs: containerd's
// contrib/snapshotservice behind a plain grpc.NewServer() that extracts no trace context.
// With -metadata FILE it appends every call's method and request metadata to FILE, one JSON line
// per call, so tests can see what reached it. Built in GOPATH mode from Debian's packages:
//   GO111MODULE=off GOPATH=<dir>:/usr/share/gocode go build -o upstream .
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"

	snapshotsapi "github.com/containerd/containerd/api/services/snapshots/v1"
	"github.com/containerd/containerd/contrib/snapshotservice"
	"github.com/containerd/containerd/snapshots"
	"github.com/containerd/containerd/snapshots/native"
	"github.com/containerd/containerd/snapshots/overlay"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

func main() {
	root := flag.String("root", "", "snapshotter root directory")
	socket := flag.String("socket", "", "unix socket to serve on")
	backend := flag.String("backend", "native", "native or overlay")
	metadataFile := flag.String("metadata", "", "append each call's request metadata to this file")
	flag.Parse()
	var sn snapshots.Snapshotter
	var err error
	if *backend == "overlay" {
		sn, err = overlay.NewSnapshotter(*root)
	} else {
		sn, err = native.NewSnapshotter(*root)
	}
	if err != nil {
		log.Fatalf("snapshotter: %v", err)
	}
	var mu sync.Mutex
	record := func(ctx context.Context, method string) {
		if *metadataFile == "" {
			return
		}
		md, _ := metadata.FromIncomingContext(ctx)
		line, _ := json.Marshal(map[string]interface{}{"method": method, "metadata": md})
		mu.Lock()
		defer mu.Unlock()
		if f, err := os.OpenFile(*metadataFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			f.Write(append(line, '\n'))
			f.Close()
		}
	}
	server := grpc.NewServer(
		grpc.UnaryInterceptor(func(ctx context.Context, req interface{}, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (interface{}, error) {
			record(ctx, info.FullMethod)
			return h(ctx, req)
		}),
		grpc.StreamInterceptor(func(srv interface{}, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			record(ss.Context(), info.FullMethod)
			return h(srv, ss)
		}))
	snapshotsapi.RegisterSnapshotsServer(server, snapshotservice.FromSnapshotter(sn))
	os.Remove(*socket)
	listener, err := net.Listen("unix", *socket)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	go func() {
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
		<-signals
		server.Stop()
	}()
	log.Printf("upstream: serving %s (%s) on unix://%s", *root, *backend, *socket)
	if err := server.Serve(listener); err != nil {
		log.Fatalf("serve: %v", err)
	}
	sn.Close()
}
