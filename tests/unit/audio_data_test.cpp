// Audio clips for openai-audio: the WAV and FLAC header readers (valid, malformed, truncated,
// huge), the clip's name and content type, and the audio dataset's length filter.
#include "llmload/workload/audio_data.hpp"

#include "llmload/core/base64.hpp"

#include "dataset_file_fixture.hpp"
#include "wav_bytes.hpp"

#include <gtest/gtest.h>

namespace llmload::workload {
namespace {

using testing_audio::put_le;
using testing_audio::wav_bytes;
using testing_audio::wav_seconds;

TEST(AudioData, WavDurationFromFmtAndDataChunks) {
  auto info = parse_wav(wav_seconds(2.5));
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_STREQ(info->container, "wav");
  EXPECT_EQ(info->sample_rate, 16000u);
  EXPECT_EQ(info->channels, 1u);
  EXPECT_EQ(info->frames, 40000u);
  EXPECT_DOUBLE_EQ(info->duration_s, 2.5);
  // Stereo 32-bit float at 48 kHz.
  info = parse_wav(wav_bytes(48000, 2, 24000, 3, 32));
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->channels, 2u);
  EXPECT_DOUBLE_EQ(info->duration_s, 0.5);
}

TEST(AudioData, WavSkipsOtherChunksWithTheirPadding) {
  std::string w = wav_seconds(1.0);
  // A LIST chunk of odd size (padded to even) between fmt and data.
  std::string list = "LIST";
  put_le(list, 3, 4);
  list += "abc";
  list += '\0';
  w.insert(36, list);
  auto info = parse_wav(w);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_DOUBLE_EQ(info->duration_s, 1.0);
}

TEST(AudioData, MalformedWavHeadersAreErrorsSayingWhat) {
  const std::string good = wav_seconds(1.0);
  const auto error = [](const std::string& bytes) {
    auto info = parse_wav(bytes);
    EXPECT_FALSE(info);
    return info ? std::string() : info.error().message;
  };
  EXPECT_NE(error("RIFF").find("not a RIFF/WAVE"), std::string::npos);
  // Truncated: the data chunk says more bytes than follow.
  EXPECT_NE(error(good.substr(0, good.size() - 10)).find("truncated"), std::string::npos);
  // A stream writer's 0xFFFFFFFF data size.
  std::string huge = good;
  huge.replace(40, 4, "\xFF\xFF\xFF\xFF");
  EXPECT_NE(error(huge).find("4294967295 bytes"), std::string::npos) << error(huge);
  // A fmt chunk claiming more than the file holds.
  std::string big_fmt = good;
  big_fmt.replace(16, 4, std::string("\x00\x00\x00\x7F", 4));
  EXPECT_NE(error(big_fmt).find("runs past the file's end"), std::string::npos) << error(big_fmt);
  // Compressed (format 2, ADPCM), zero channels, a block align that does not add up.
  std::string adpcm = good;
  adpcm[20] = 2;
  EXPECT_NE(error(adpcm).find("format 0x2"), std::string::npos) << error(adpcm);
  std::string mute = good;
  mute[22] = 0;
  EXPECT_NE(error(mute).find("0 channels"), std::string::npos) << error(mute);
  std::string align = good;
  align[32] = 7;
  EXPECT_NE(error(align).find("block align 7"), std::string::npos) << error(align);
  // No data chunk, data before fmt.
  EXPECT_NE(error(good.substr(0, 36)).find("without a 'data' chunk"), std::string::npos);
  std::string swapped = "RIFF....WAVEdata";
  put_le(swapped, 2, 4);
  swapped += "ab";
  EXPECT_NE(error(swapped).find("before the 'fmt ' chunk"), std::string::npos) << error(swapped);
}

std::string flac_bytes(std::uint32_t rate, std::uint32_t channels, std::uint64_t samples) {
  std::string out = "fLaC";
  out += '\x80';  // last metadata block, type 0 (STREAMINFO)
  out += std::string("\x00\x00\x22", 3);
  std::string info(34, '\0');
  // Bits 80..: rate (20), channels - 1 (3), bits per sample - 1 (5), total samples (36).
  const std::uint64_t packed = (static_cast<std::uint64_t>(rate) << 44) | (static_cast<std::uint64_t>(channels - 1) << 41) |
                               (std::uint64_t{15} << 36) | samples;
  for (int i = 0; i < 8; ++i) info[10 + static_cast<std::size_t>(i)] = static_cast<char>((packed >> (56 - 8 * i)) & 0xFF);
  return out + info;
}

TEST(AudioData, FlacDurationFromStreamInfo) {
  auto info = parse_flac(flac_bytes(16000, 1, 16000 * 3));
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_STREQ(info->content_type, "audio/flac");
  EXPECT_EQ(info->sample_rate, 16000u);
  EXPECT_EQ(info->channels, 1u);
  EXPECT_DOUBLE_EQ(info->duration_s, 3.0);
  EXPECT_FALSE(parse_flac(flac_bytes(16000, 2, 0)));             // unknown length
  EXPECT_FALSE(parse_flac(flac_bytes(16000, 2, 10).substr(0, 20)));  // truncated STREAMINFO
  EXPECT_FALSE(parse_flac(flac_bytes(0, 1, 10)));
}

TEST(AudioData, OtherContainersAreRefusedByName) {
  EXPECT_NE(parse_audio("ID3\x03....").error().message.find("an MP3 file"), std::string::npos);
  EXPECT_NE(parse_audio("OggS....").error().message.find("an Ogg file"), std::string::npos);
  EXPECT_NE(parse_audio("hello").error().message.find("not a WAV or FLAC"), std::string::npos);
  EXPECT_TRUE(parse_audio(wav_seconds(0.1)));
}

TEST(AudioData, ClipsKeepTheirNameOrGetTheContainersExtension) {
  auto clip = make_audio_clip(wav_seconds(1.0), "earnings.wav");
  ASSERT_TRUE(clip);
  EXPECT_EQ((*clip)->filename, "earnings.wav");
  EXPECT_EQ((*clip)->content_type, "audio/wav");
  clip = make_audio_clip(wav_seconds(1.0), "audio");
  EXPECT_EQ((*clip)->filename, "audio.wav");
  clip = make_audio_clip(flac_bytes(8000, 1, 8000), "dir/x.bin");
  ASSERT_TRUE(clip);
  EXPECT_EQ((*clip)->filename, "x.bin.flac");
  EXPECT_DOUBLE_EQ((*clip)->duration_s, 1.0);
}

class AudioDataset : public DatasetFileTest {};

TEST_F(AudioDataset, JsonLinesOfFilesFilteredByTheAsrLengths) {
  write("a.wav", wav_seconds(1.0));
  write("clips/b.wav", wav_seconds(2.5));
  write("c.wav", wav_seconds(40.0));
  const auto path = write("audio.jsonl", "{\"audio\": \"a.wav\"}\n{\"audio\": \"clips/b.wav\"}\n{\"audio\": \"c.wav\"}\n");
  auto o = options("audio", path, 2);
  o.audio = true;
  o.disable_shuffle = true;
  o.hub.asr_max_audio_len_sec = 30;
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->specs.size(), 2u);
  EXPECT_DOUBLE_EQ(d->specs[0].audio->duration_s, 1.0);
  EXPECT_EQ(d->specs[1].audio->filename, "b.wav");
  EXPECT_EQ(d->specs[1].expected_output_len, 128);  // vLLM's ASRDataset default
  // The shortest one left out too: b alone remains, oversampled to 2.
  o.hub.asr_min_audio_len_sec = 2.0;
  d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_DOUBLE_EQ(d->specs[0].audio->duration_s, 2.5);
  EXPECT_DOUBLE_EQ(d->specs[1].audio->duration_s, 2.5);
  EXPECT_NE(d->notes.front().find("2 clips outside --asr-min-audio-len-sec 2"), std::string::npos) << d->notes.front();
  // Every clip outside: an error.
  o.hub.asr_min_audio_len_sec = 100;
  o.hub.asr_max_audio_len_sec = 200;
  EXPECT_NE(error_of(o).find("no record"), std::string::npos) << error_of(o);
}

TEST_F(AudioDataset, HubRecordsWithBytesOrPathsAndBadFilesNamed) {
  // The Hub's audio struct: {"bytes": base64, "path": ...}, bytes first.
  write("ok.wav", wav_seconds(0.5));
  write("bad.wav", std::string("RIFF\x10\x00\x00\x00WAVEjunk", 16));
  auto o = options("hf", write("ls.jsonl", "{\"audio\": {\"bytes\": null, \"path\": \"ok.wav\"}, \"text\": \"hi\"}\n"), 1);
  o.hub.hf_name = "openslr/librispeech_asr";
  o.audio = true;
  auto d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_DOUBLE_EQ(d->specs[0].audio->duration_s, 0.5);
  EXPECT_NE(d->specs[0].prompt.find("<|startoftranscript|>"), std::string::npos);
  // Embedded bytes (a Parquet export's binary column is base64 in the row's JSON).
  o.path = write("bytes.jsonl", "{\"audio\": {\"bytes\": \"" + core::base64_encode(wav_seconds(0.75)) +
                                    "\", \"path\": \"1272-0001.flac\"}}\n");
  d = make_dataset(o, nullptr);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_DOUBLE_EQ(d->specs[0].audio->duration_s, 0.75);
  EXPECT_EQ(d->specs[0].audio->filename, "audio.wav");  // as vLLM names a decoded clip
  // "UklGRg==" is "RIFF": a header cut short, named with the file and line.
  o.path = write("cut.jsonl", "{\"audio\": {\"bytes\": \"UklGRg==\", \"path\": \"x.flac\"}}\n");
  EXPECT_NE(error_of(o).find("cut.jsonl:1: not a RIFF/WAVE file"), std::string::npos) << error_of(o);
  o.path = write("bad.jsonl", "{\"audio\": \"bad.wav\"}\n");
  EXPECT_NE(error_of(o).find("bad.wav: WAV file without a 'data' chunk"), std::string::npos) << error_of(o);
  o.path = write("arr.jsonl", "{\"audio\": {\"array\": [0.0], \"sampling_rate\": 16000}}\n");
  EXPECT_NE(error_of(o).find("decoded array"), std::string::npos) << error_of(o);
  // A speech dataset for a backend that sends no audio, and the other way round.
  o.audio = false;
  EXPECT_NE(error_of(o).find("add --backend openai-audio"), std::string::npos) << error_of(o);
  o.audio = true;
  o.hub.hf_name = "openai/gsm8k";
  EXPECT_NE(error_of(o).find("is not a speech dataset"), std::string::npos) << error_of(o);
}

}  // namespace
}  // namespace llmload::workload
