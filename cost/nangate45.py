"""The built-in default cell library: figures from the NanGate FreePDK45 Open Cell Library.

Source: NanGate Open Cell Library (FreePDK45), file NangateOpenCellLibrary typical corner
(process TypTyp, 1.10 V, 25 C), as distributed in the OpenSTA examples (nangate45_typ.lib.gz).
Written by ``python -m picojoule.cost.extract_table`` through
:func:`picojoule.cost.library.library_from_liberty`; the derivation of every figure is stated
in :mod:`picojoule.cost.library` (FO4 reference slew of the INV_X1 cell; per-output figures fitted
linearly in load between one and four inverter input loads; internal energy per output toggle
= mean of rise_power and fall_power over related pins; delay = worst arc's mean of cell_rise
and cell_fall; input-pin hidden power per input toggle; leakage = cell_leakage_power).
Wire load: the library's default_wire_load "5K_hvratio_1_1" (capacitance per unit length
times fanout_length, slope beyond the table).

Units: area um^2, capacitance fF, energy fJ, time ns, leakage nW, voltage V.
Only the X1 drive strength of a modest set of functions is kept; the Liberty file itself is not
part of picojoule.
"""

from picojoule.cost.cells import Cell, CellLibrary, Flop

NAME = "default"
SOURCE = "NanGate FreePDK45 Open Cell Library, typical corner (1.10 V, 25 C), X1 cells"
VOLTAGE = 1.1
WIRE_CAP_PER_LENGTH_FF = 0.1774
WIRE_SLOPE = 5.0
WIRE_FANOUT_LENGTH = ((1, 1.746), (2, 3.9394), (3, 6.4626), (4, 9.2201), (5, 11.9123), (6, 14.8358), (7, 18.6155), (8, 22.6727), (9, 25.4842), (11, 27.032))

# name: (area um^2, {input pin: capacitance fF}, {output pin: function},
#        {output pin: (internal fJ per output toggle at zero load, fJ per fF of load)},
#        {output pin: (delay ns at zero load, ns per fF of load)},
#        {input pin: internal fJ per input toggle}, leakage nW, flop or None)
CELLS = {
    'INV_X1': (0.532, {'A': 1.70023}, {'ZN': '!A'},
        {'ZN': (0.943427, 0.000506)}, {'ZN': (0.00794, 0.002037)},
        {}, 14.3532, None),
    'BUF_X1': (0.798, {'A': 0.974659}, {'Z': 'A'},
        {'Z': (2.196632, 0.032836)}, {'Z': (0.022789, 0.002051)},
        {}, 21.4382, None),
    'NAND2_X1': (0.798, {'A1': 1.599032, 'A2': 1.664199}, {'ZN': '!(A1 & A2)'},
        {'ZN': (1.320565, 0.006926)}, {'ZN': (0.012773, 0.002301)},
        {}, 17.3934, None),
    'NAND3_X1': (1.064, {'A1': 1.590286, 'A2': 1.621225, 'A3': 1.650377}, {'ZN': '!((A1 & A2) & A3)'},
        {'ZN': (1.770692, 0.008709)}, {'ZN': (0.016999, 0.002733)},
        {}, 18.1048, None),
    'NAND4_X1': (1.33, {'A1': 1.522092, 'A2': 1.59521, 'A3': 1.63809, 'A4': 1.659913}, {'ZN': '!(((A1 & A2) & A3) & A4)'},
        {'ZN': (2.312999, 0.009167)}, {'ZN': (0.022562, 0.003204)},
        {}, 18.1268, None),
    'NOR2_X1': (0.798, {'A1': 1.714471, 'A2': 1.651345}, {'ZN': '!(A1 | A2)'},
        {'ZN': (1.345021, 0.004049)}, {'ZN': (0.014716, 0.003298)},
        {}, 21.1995, None),
    'NOR3_X1': (1.064, {'A1': 1.763571, 'A2': 1.663842, 'A3': 1.616298}, {'ZN': '!((A1 | A2) | A3)'},
        {'ZN': (1.705923, 0.008894)}, {'ZN': (0.023127, 0.0047)},
        {}, 26.8317, None),
    'NOR4_X1': (1.33, {'A1': 1.736804, 'A2': 1.67413, 'A3': 1.635974, 'A4': 1.60595}, {'ZN': '!(((A1 | A2) | A3) | A4)'},
        {'ZN': (2.192924, 0.012277)}, {'ZN': (0.03583, 0.006127)},
        {}, 32.6015, None),
    'AND2_X1': (1.064, {'A1': 0.918145, 'A2': 0.97463}, {'ZN': '(A1 & A2)'},
        {'ZN': (2.382329, 0.042367)}, {'ZN': (0.029024, 0.002185)},
        {}, 25.0661, None),
    'AND3_X1': (1.33, {'A1': 0.879747, 'A2': 0.927525, 'A3': 0.964824}, {'ZN': '((A1 & A2) & A3)'},
        {'ZN': (2.632435, 0.047879)}, {'ZN': (0.036533, 0.002383)},
        {}, 26.4815, None),
    'AND4_X1': (1.596, {'A1': 0.856528, 'A2': 0.902272, 'A3': 0.924115, 'A4': 0.944508}, {'ZN': '(((A1 & A2) & A3) & A4)'},
        {'ZN': (2.889959, 0.054006)}, {'ZN': (0.044929, 0.002574)},
        {}, 27.0248, None),
    'OR2_X1': (1.064, {'A1': 0.946814, 'A2': 0.941939}, {'ZN': '(A1 | A2)'},
        {'ZN': (2.372445, 0.032049)}, {'ZN': (0.034744, 0.002306)},
        {}, 22.695, None),
    'OR3_X1': (1.33, {'A1': 0.959052, 'A2': 0.940092, 'A3': 0.921561}, {'ZN': '((A1 | A2) | A3)'},
        {'ZN': (2.731053, 0.01715)}, {'ZN': (0.050678, 0.002564)},
        {}, 24.4146, None),
    'OR4_X1': (1.596, {'A1': 0.941245, 'A2': 0.938321, 'A3': 0.923766, 'A4': 0.914189}, {'ZN': '(((A1 | A2) | A3) | A4)'},
        {'ZN': (3.065699, 0.005636)}, {'ZN': (0.068437, 0.002776)},
        {}, 26.7335, None),
    'XOR2_X1': (1.596, {'A': 2.232144, 'B': 2.411453}, {'Z': '(A ^ B)'},
        {'Z': (2.948055, 0.00784)}, {'Z': (0.045233, 0.003435)},
        {}, 36.1637, None),
    'XNOR2_X1': (1.596, {'A': 2.232754, 'B': 2.573608}, {'ZN': '!(A ^ B)'},
        {'ZN': (2.894847, 0.007648)}, {'ZN': (0.035963, 0.002345)},
        {}, 36.441, None),
    'AOI21_X1': (1.064, {'A': 1.626352, 'B1': 1.647003, 'B2': 1.676853}, {'ZN': '!(A | (B1 & B2))'},
        {'ZN': (2.043331, 0.008839)}, {'ZN': (0.021209, 0.003283)},
        {}, 27.8584, None),
    'AOI22_X1': (1.33, {'A1': 1.687512, 'A2': 1.689746, 'B1': 1.58401, 'B2': 1.623031}, {'ZN': '!((A1 & A2) | (B1 & B2))'},
        {'ZN': (2.193874, 0.01124)}, {'ZN': (0.027105, 0.003703)},
        {}, 32.6119, None),
    'AOI211_X1': (1.33, {'A': 1.620338, 'B': 1.658423, 'C1': 1.655202, 'C2': 1.679479}, {'ZN': '!(((C1 & C2) | B) | A)'},
        {'ZN': (2.547554, 0.011699)}, {'ZN': (0.033189, 0.004685)},
        {}, 34.5657, None),
    'OAI21_X1': (1.064, {'A': 1.670716, 'B1': 1.66205, 'B2': 1.571893}, {'ZN': '!(A & (B1 | B2))'},
        {'ZN': (1.951746, 0.008637)}, {'ZN': (0.018984, 0.003658)},
        {}, 22.6194, None),
    'OAI22_X1': (1.33, {'A1': 1.671043, 'A2': 1.584237, 'B1': 1.665448, 'B2': 1.615611}, {'ZN': '!((A1 | A2) & (B1 | B2))'},
        {'ZN': (2.18022, 0.009219)}, {'ZN': (0.026234, 0.003692)},
        {}, 34.0261, None),
    'OAI211_X1': (1.33, {'A': 1.614241, 'B': 1.657276, 'C1': 1.595175, 'C2': 1.555656}, {'ZN': '!(((C1 | C2) & A) & B)'},
        {'ZN': (2.425798, 0.009524)}, {'ZN': (0.022429, 0.004095)},
        {}, 22.0391, None),
    'MUX2_X1': (1.862, {'A': 0.94642, 'B': 0.944775, 'S': 1.919942}, {'Z': '((S & B) | (A & !S))'},
        {'Z': (3.111956, 0.03441)}, {'Z': (0.050756, 0.002485)},
        {}, 35.9284, None),
    'DFF_X1': (4.522, {'D': 1.14029, 'CK': 0.949653}, {'Q': 'IQ', 'QN': 'IQN'},
        {'Q': (4.135498, 0.022677), 'QN': (4.136579, 0.023578)}, {'Q': (0.084519, 0.001832), 'QN': (0.063563, 0.002622)},
        {'D': 1.839456, 'CK': 3.600321}, 79.1123, ('IQ', 'IQN', 'D', 'CK', None, None)),
}


def library():
    """The table as a :class:`~picojoule.cost.library.CellLibrary`."""
    cells = {}
    for name, (area, inputs, outputs, internal, delay, input_internal, leakage, flop) in CELLS.items():
        cells[name] = Cell(name=name, area_um2=area, inputs=inputs, outputs=outputs,
                           internal_fj=internal, delay_ns=delay, input_internal_fj=input_internal,
                           leakage_nw=leakage, flop=Flop(*flop) if flop else None)
    return CellLibrary(name=NAME, source=SOURCE, voltage=VOLTAGE, cells=cells,
                       wire_cap_per_length_ff=WIRE_CAP_PER_LENGTH_FF, wire_slope=WIRE_SLOPE,
                       wire_fanout_length=WIRE_FANOUT_LENGTH)
