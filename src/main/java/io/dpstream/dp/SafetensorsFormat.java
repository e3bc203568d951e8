package io.dpstream.dp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors file format (huggingface/safetensors, "Format" in its README): an 8-byte
 * little-endian header length n, n bytes of UTF-8 JSON mapping each tensor name to {@code {"dtype",
 * "shape", "data_offsets": [begin, end]}} plus an optional {@code "__metadata__"} object of string
 * values, then the tensors' little-endian bytes, offsets relative to the end of the header. Python
 * reads it with {@code safetensors.numpy.load(data)} or {@code safetensors.torch.load(data)}.
 * dpstream writes float32 ("F32") tensors only.
 */
final class SafetensorsFormat {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A float32 tensor. */
  record Tensor(long[] shape, float[] data) {}

  /** Tensors in file order and the metadata strings. */
  record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

  private SafetensorsFormat() {}

  static byte[] write(Map<String, Tensor> tensors, Map<String, String> metadata) {
    ObjectNode header = JSON.createObjectNode();
    ObjectNode meta = header.putObject("__metadata__");
    metadata.forEach(meta::put);
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", "F32");
      var shape = t.putArray("shape");
      for (long d : e.getValue().shape()) {
        shape.add(d);
      }
      long end = offset + 4L * e.getValue().data().length;
      t.putArray("data_offsets").add(offset).add(end);
      offset = end;
    }
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    int pad = (8 - json.length % 8) % 8; // the format allows trailing spaces; keeps data aligned
    int headerLength = json.length + pad;
    ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + headerLength + offset))
        .order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(headerLength);
    out.put(json);
    for (int i = 0; i < pad; i++) {
      out.put((byte) ' ');
    }
    for (Tensor t : tensors.values()) {
      out.asFloatBuffer().put(t.data());
      out.position(out.position() + 4 * t.data().length);
    }
    return out.array();
  }

  /**
   * @throws IllegalArgumentException when the bytes are not a float32 safetensors file
   */
  static Contents read(byte[] bytes) {
    if (bytes == null || bytes.length < 8) {
      throw new IllegalArgumentException("not a safetensors file: shorter than its 8-byte header length");
    }
    ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long n = in.getLong();
    if (n < 2 || n > bytes.length - 8) {
      throw new IllegalArgumentException("not a safetensors file: header length " + n
          + " does not fit in " + bytes.length + " bytes");
    }
    JsonNode header;
    try {
      header = JSON.readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("safetensors header is not JSON: " + e.getOriginalMessage());
    }
    int dataStart = 8 + (int) n;
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = header.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> e = fields.next();
      if (e.getKey().equals("__metadata__")) {
        e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      JsonNode t = e.getValue();
      if (!"F32".equals(t.path("dtype").asText())) {
        throw new IllegalArgumentException("tensor " + e.getKey() + " has dtype "
            + t.path("dtype").asText() + "; only F32 is supported");
      }
      long[] shape = new long[t.path("shape").size()];
      long count = 1;
      for (int i = 0; i < shape.length; i++) {
        shape[i] = t.path("shape").get(i).asLong();
        count *= shape[i];
      }
      long begin = t.path("data_offsets").path(0).asLong(-1);
      long end = t.path("data_offsets").path(1).asLong(-1);
      if (begin < 0 || end - begin != 4 * count || dataStart + end > bytes.length) {
        throw new IllegalArgumentException("tensor " + e.getKey() + " has bad data_offsets");
      }
      float[] data = new float[(int) count];
      ByteBuffer.wrap(bytes, dataStart + (int) begin, (int) (end - begin))
          .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
      tensors.put(e.getKey(), new Tensor(shape, data));
    }
    return new Contents(tensors, metadata);
  }
}
