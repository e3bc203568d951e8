package io.dpstream.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;

class DeviceChoiceTest {

  @Test
  void autoTakesTheGpuOnlyWhenTheEngineSeesOne() {
    boolean gpu = Engine.getInstance().getGpuCount() > 0;
    assertEquals(gpu ? Device.gpu() : Device.cpu(), DeviceChoice.AUTO.resolve());
    assertEquals(Device.cpu(), DeviceChoice.CPU.resolve());
    if (!gpu) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, DeviceChoice.GPU::resolve);
      assertEquals(true, e.getMessage().contains("PYTORCH_LIBRARY_PATH"));
    }
  }

  @Test
  void parsesTheThreeNames() {
    assertEquals(DeviceChoice.AUTO, DeviceChoice.parse("auto"));
    assertEquals(DeviceChoice.GPU, DeviceChoice.parse(" GPU "));
    assertThrows(IllegalArgumentException.class, () -> DeviceChoice.parse("tpu"));
  }
}
