"""Integer multiplier and adder generators (`IntMul`, `IntAdd` specs).

Contract (from `picojoule.models.units`): the exact product or sum of the decoded operands
(each read as two's complement if its format is signed, else unsigned), wrapped modulo
2^out.width. Operands up to 32 bits.
"""

from picojoule.hw.pipeline import UnitComponent

__all__ = ["IntMulUnit", "IntAddUnit"]


def _operand(raw, fmt):
    return raw.as_signed() if fmt.signed else raw.as_unsigned()


class _IntUnit(UnitComponent):
    def operands(self, a, b):
        b = self.fault_point("int.operand_b", b)
        return _operand(a, self.spec.a), _operand(b, self.spec.b)


class IntMulUnit(_IntUnit):
    """Integer multiplier ``a * b -> out`` (one array multiplier, as Yosys maps ``*``)."""

    KIND = "int_mul"

    def datapath(self, m, a, b, cut):
        a, b = self.operands(a, b)
        return a * b


class IntAddUnit(_IntUnit):
    """Integer adder ``a + b -> out``."""

    KIND = "int_add"

    def datapath(self, m, a, b, cut):
        a, b = self.operands(a, b)
        return a + b
