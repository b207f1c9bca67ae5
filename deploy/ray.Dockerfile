# The image every Ray node of a bake runs: Ray 2.60 (the version the `ray` extra pins) plus
# fantasy-talking and the Debian packages its engine needs. Build from the repository root:
#   docker build -f deploy/ray.Dockerfile -t registry.example.com/fantasy-talking-ray:0.1.0 .
FROM rayproject/ray:2.60.0-py311-cpu
USER 0
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends espeak-ng libespeak-ng1 libgl1 libegl1 \
 && rm -rf /var/lib/apt/lists/*
# the image's `ray` user (uid 1000, group users)
USER 1000
COPY --chown=1000:100 . /home/ray/fantasy-talking
# protobuf 4 and numpy 1 (mediapipe's pins) replace the image's newer ones; Ray 2.60 runs on both.
# [ray] brings Ray, fsspec and s3fs; [gcs] brings gcsfs for gs:// URLs.
RUN pip install --no-cache-dir "/home/ray/fantasy-talking[ray,gcs]"
