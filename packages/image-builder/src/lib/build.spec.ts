import { describe, expect, it } from 'vitest';
import { baseImagesOfText, stageNamesOfText } from './build.js';

describe('Dockerfile text helpers', () => {
  const text = [
    'ARG GO_IMAGE=golang:1.26.8-bookworm',
    'ARG RUNTIME="debian:bookworm"',
    'FROM ${GO_IMAGE} AS builder',
    'RUN go build \\',
    '  -o /out/app .',
    'FROM --platform=linux/amd64 $RUNTIME as runtime',
    'COPY --from=builder /out/app /app',
    'FROM builder AS again',
    'FROM scratch AS empty',
  ].join('\n');

  it('finds base images, resolving global ARGs and skipping stages and scratch', () => {
    expect(baseImagesOfText(text)).toEqual(['golang:1.26.8-bookworm', 'debian:bookworm']);
    expect(baseImagesOfText(text, { GO_IMAGE: 'localhost:5000/go:x' })).toEqual(['localhost:5000/go:x', 'debian:bookworm']);
  });

  it('lists stage names in order, lower-cased', () => {
    expect(stageNamesOfText(text)).toEqual(['builder', 'runtime', 'again', 'empty']);
  });
});
