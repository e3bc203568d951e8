# syntax=docker/dockerfile:1
#
# dpstream container images.
#
#   CPU (default):  docker build -t dpstream:0.1.0 .
#   CUDA:           docker build --target runtime-cuda -t dpstream:0.1.0-cuda .
#
# Both run `dpstream <command>` as a non-root user (uid 10001) with the metrics endpoint on 9404.
# The CPU image uses the PyTorch CPU natives inside the jar and needs no network at run time.
# The CUDA image adds NVIDIA's CUDA runtime and libtorch 2.7.1 built for CUDA 12.8, downloaded
# from download.pytorch.org while the image is built, and points DJL at it with
# PYTORCH_LIBRARY_PATH/PYTORCH_FLAVOR so that nothing is downloaded at run time either: the
# pytorch-jni 2.7.1-0.36.0 jar already in dpstream.jar carries the JNI library for that flavour
# (jnilib/linux-x86_64/cu128/libdjl_torch.so), so CUDA 12.8 and PyTorch 2.7.1 must match it. Run it with the NVIDIA container toolkit (docker run --gpus all,
# or the nvidia.com/gpu resource in Kubernetes: k8s/overlays/gpu).

ARG JAVA_VERSION=17
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04
ARG LIBTORCH_URL=https://download.pytorch.org/libtorch/cu128/libtorch-cxx11-abi-shared-with-deps-2.7.1%2Bcu128.zip

# ---- build: the shaded jar, with the Maven wrapper --------------------------------------------
FROM eclipse-temurin:${JAVA_VERSION}-jdk-jammy AS build
WORKDIR /src
# Dependencies first, so that source edits do not re-download them.
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q dependency:go-offline
COPY schemas/ schemas/
COPY src/ src/
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q package -DskipTests \
    && cp target/dpstream.jar /dpstream.jar

# ---- libtorch for CUDA (only built for the runtime-cuda target) --------------------------------
FROM eclipse-temurin:${JAVA_VERSION}-jdk-jammy AS libtorch-cuda
ARG LIBTORCH_URL
RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates unzip && rm -rf /var/lib/apt/lists/* \
    && curl -fsSL -o /tmp/libtorch.zip "${LIBTORCH_URL}" \
    && unzip -q /tmp/libtorch.zip -d /opt && rm /tmp/libtorch.zip

# ---- runtime-cuda: JRE on NVIDIA's CUDA runtime image ------------------------------------------
FROM ${CUDA_IMAGE} AS runtime-cuda
ARG JAVA_VERSION
RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-${JAVA_VERSION}-jre-headless \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 dpstream \
    && useradd --system --uid 10001 --gid dpstream --home-dir /var/lib/dpstream --create-home \
       --shell /usr/sbin/nologin dpstream
COPY --from=libtorch-cuda /opt/libtorch /opt/libtorch
COPY --from=build /dpstream.jar /opt/dpstream/dpstream.jar
ENV PYTORCH_LIBRARY_PATH=/opt/libtorch/lib \
    PYTORCH_VERSION=2.7.1 \
    PYTORCH_FLAVOR=cu128 \
    DJL_CACHE_DIR=/var/lib/dpstream/.djl.ai \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -Dai.djl.offline=true"
USER 10001:10001
WORKDIR /var/lib/dpstream
EXPOSE 9404
ENTRYPOINT ["java", "-jar", "/opt/dpstream/dpstream.jar"]
CMD ["--help"]

# ---- runtime: the default CPU image (last stage, so a plain `docker build` builds it) ------------
FROM eclipse-temurin:${JAVA_VERSION}-jre-jammy AS runtime
RUN groupadd --system --gid 10001 dpstream \
    && useradd --system --uid 10001 --gid dpstream --home-dir /var/lib/dpstream --create-home \
       --shell /usr/sbin/nologin dpstream
COPY --from=build /dpstream.jar /opt/dpstream/dpstream.jar
# DJL unpacks the PyTorch natives from the jar into its cache on first use: keep it in the
# (writable) home directory; containers in Kubernetes mount a volume there.
ENV DJL_CACHE_DIR=/var/lib/dpstream/.djl.ai \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -Dai.djl.offline=true"
USER 10001:10001
WORKDIR /var/lib/dpstream
EXPOSE 9404
ENTRYPOINT ["java", "-jar", "/opt/dpstream/dpstream.jar"]
CMD ["--help"]
