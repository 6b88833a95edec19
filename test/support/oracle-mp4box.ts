/**
 * Independent oracle: mp4box.js (GPAC's parser) reads our MP4 output, flat or fragmented, and reports
 * every track's codec string and every sample's bytes, flags and times. Presentation times are
 * computed here from mp4box's raw media times and the track's edit list, the way players apply it.
 * In fragmented files each track fragment's decode times start at its `tfdt` (ISO/IEC 14496-12
 * §8.8.12; what MSE and ffmpeg use): mp4box.js itself sums durations after the first fragment, so
 * its times are re-based here on every fragment's tfdt.
 */
import { createFile, MP4BoxBuffer, type Movie, type Sample } from 'mp4box';

export interface ParsedSample {
  dts: number;
  cts: number;
  duration: number;
  sync: boolean;
  dependsOn: number;
  isDependedOn: number;
  /** 0-based stsd entry describing the sample (stsc's sample_description_index − 1). */
  descriptionIndex: number;
  data: Uint8Array;
}

export interface ParsedTrack {
  id: number;
  codec: string;
  type: string;
  timescale: number;
  /** Edit list as parsed: segment_duration (movie timescale) and media_time (media timescale). */
  edits: { segmentDuration: number; mediaTime: number }[];
  /** Presentation time (seconds) of media time 0 after the edit list: empty edits minus media_time. */
  offsetSeconds: number;
  samples: ParsedSample[];
  width: number;
  height: number;
  /** tkhd display size. */
  trackWidth: number;
  trackHeight: number;
  sampleRate: number;
  channels: number;
  /** The stsd entries: type and, for video, the coded size. */
  sampleEntries: { type: string; width: number; height: number }[];
}

export interface ParsedMp4 {
  info: Movie;
  tracks: ParsedTrack[];
  /** Top-level box types in file order. */
  boxes: string[];
}

export function parseMp4(bytes: Uint8Array): ParsedMp4 {
  const file = createFile();
  let info: Movie | undefined;
  let error: string | undefined;
  const samples = new Map<number, Sample[]>();
  file.onError = (module, message) => (error = `${module}: ${message}`);
  file.onReady = (movie) => {
    info = movie;
    for (const t of movie.tracks) file.setExtractionOptions(t.id, null, { nbSamples: 1_000_000 });
    file.start();
  };
  file.onSamples = (id, _user, list) => {
    const arr = samples.get(id) ?? [];
    arr.push(...list);
    samples.set(id, arr);
  };
  const copy = new Uint8Array(bytes.byteLength); // own ArrayBuffer (Node Buffers share a pool)
  copy.set(bytes);
  file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(copy.buffer, 0), true);
  file.flush();
  if (error !== undefined) throw new Error(`mp4box: ${error}`);
  if (info === undefined) throw new Error('mp4box: no moov found');
  const movieTimescale = info.timescale;
  const tracks = info.tracks.map((t): ParsedTrack => {
    const trak = file.getTrackById(t.id);
    const elst = trak.edts?.elst;
    const edits = (elst?.entries ?? []).map((e) => ({ segmentDuration: Number(e.segment_duration), mediaTime: Number(e.media_time) }));
    let offsetSeconds = 0;
    for (const e of edits) {
      if (e.mediaTime === -1) offsetSeconds += e.segmentDuration / movieTimescale;
      else {
        offsetSeconds -= e.mediaTime / t.timescale;
        break;
      }
    }
    return {
      id: t.id,
      codec: t.codec,
      type: t.type ?? '',
      timescale: t.timescale,
      edits,
      offsetSeconds,
      width: t.video?.width ?? 0,
      height: t.video?.height ?? 0,
      trackWidth: t.track_width,
      trackHeight: t.track_height,
      sampleRate: t.audio?.sample_rate ?? 0,
      channels: t.audio?.channel_count ?? 0,
      sampleEntries: trak.mdia.minf.stbl.stsd.entries.map((e) => {
        const visual = e as { width?: number; height?: number };
        return { type: e.type, width: visual.width ?? 0, height: visual.height ?? 0 };
      }),
      samples: retimedByTfdt(file, t.id, samples.get(t.id) ?? []).map((s) => ({
        dts: s.dts,
        cts: s.cts,
        duration: s.duration,
        sync: s.is_sync,
        dependsOn: s.depends_on,
        isDependedOn: s.is_depended_on,
        descriptionIndex: s.description_index,
        data: s.data!,
      })),
    };
  });
  return { info, tracks, boxes: file.boxes.map((b) => b.type) };
}

/** Presentation time in seconds of a parsed sample, edit list applied. */
export function presentationSeconds(track: ParsedTrack, sample: ParsedSample): number {
  return sample.cts / track.timescale + track.offsetSeconds;
}

interface TrafLike {
  tfhd?: { track_id: number };
  tfdt?: { baseMediaDecodeTime: number | bigint };
  truns?: { sample_count: number }[];
}

/** The samples with each track fragment's decode times starting at its tfdt (cts keeps its offset). */
function retimedByTfdt(file: ReturnType<typeof createFile>, trackId: number, list: Sample[]): Sample[] {
  const moofs = (file as unknown as { moofs: { trafs: TrafLike[] }[] }).moofs;
  if (moofs.length === 0) return list;
  const out: Sample[] = [];
  let k = 0;
  for (const traf of moofs.flatMap((m) => m.trafs).filter((tr) => tr.tfhd?.track_id === trackId)) {
    const count = (traf.truns ?? []).reduce((sum, trun) => sum + trun.sample_count, 0);
    let dts = traf.tfdt === undefined ? null : Number(traf.tfdt.baseMediaDecodeTime);
    for (let i = 0; i < count && k < list.length; i++, k++) {
      const s = list[k];
      if (dts === null) out.push(s);
      else {
        out.push({ ...s, dts, cts: dts + (s.cts - s.dts) });
        dts += s.duration;
      }
    }
  }
  return out.concat(list.slice(k));
}
